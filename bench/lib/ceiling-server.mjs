// The ceiling: a minimal Node HTTP server that reads and parses the same request body as
// meterd and answers a fixed JSON document. Usage: node ceiling-server.mjs PORT
import http from 'node:http';

const port = Number(process.argv[2]);
const answer = Buffer.from('{"Results":[],"UnprocessedRecords":[]}');

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => {
    try {
      JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      res.writeHead(400).end();
      return;
    }
    res.writeHead(200, {
      'content-type': 'application/x-amz-json-1.1',
      'content-length': answer.length,
    });
    res.end(answer);
  });
});
server.keepAliveTimeout = 60_000;
server.listen(port, '127.0.0.1', () => process.stdout.write(`listening ${port}\n`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
