// What the generated documentation adds to the model's own: examples of each type, what a shape
// the model leaves undocumented is, the meaning of enum values (which the model lists bare), and
// the base exception's description. Keyed by shape name; read by scripts/generate.mjs.

export default {
  serviceException: {
    documentation: `An error answered by the service. Modelled errors are subclasses named after
their shape (\`ThrottlingException\`, ...); any other error code (\`ValidationException\`,
\`UnrecognizedClientException\`, \`DryRunOperation\`, ...) is an instance of this class whose
\`name\` is the code from the response.`,
    example: `try {
  await svc.meterUsage(input);
} catch (err) {
  if (err instanceof MarketplaceMeteringServiceException && err.name === 'ValidationException') {
    console.error(err.message, err.requestId);
  } else throw err;
}`,
  },
  shapes: {
    Tag: { example: `const tag: Tag = { Key: 'team', Value: 'analytics' };` },
    UsageAllocation: {
      example: `const allocation: UsageAllocation = {
  AllocatedUsageQuantity: 3,
  Tags: [{ Key: 'team', Value: 'analytics' }],
};`,
    },
    UsageRecord: {
      example: `const record: UsageRecord = {
  Timestamp: new Date('2026-11-23T01:00:00Z'),
  CustomerIdentifier: 'globex-on-acme',
  Dimension: 'requests',
  Quantity: 120,
};`,
    },
    BatchMeterUsageRequest: {
      example: `const input: BatchMeterUsageRequest = {
  ProductCode: 'acme-saas',
  UsageRecords: [
    { Timestamp: new Date(), CustomerIdentifier: 'globex-on-acme', Dimension: 'requests', Quantity: 1 },
  ],
};`,
    },
    UsageRecordResult: {
      example: `const failed = (results: UsageRecordResult[]) => results.filter((r) => r.Status !== 'Success');`,
    },
    UsageRecordResultStatus: {
      documentation: 'The outcome of one usage record in a `BatchMeterUsage` call.',
      example: `const honoured = Results.filter((r) => r.Status === UsageRecordResultStatus.Success);`,
      values: {
        Success: 'The record was accepted and honoured.',
        CustomerNotSubscribed:
          'The customer cannot use the product (unknown, unsubscribed or suspended); not honoured.',
        DuplicateRecord:
          'An earlier record for the same hour had a different quantity; the earlier one stands.',
      },
    },
    BatchMeterUsageResult: {
      example: `const { Results = [], UnprocessedRecords = [] } = await svc.batchMeterUsage(input);
if (UnprocessedRecords.length > 0) await svc.batchMeterUsage({ ...input, UsageRecords: UnprocessedRecords });`,
    },
    MeterUsageRequest: {
      example: `const input: MeterUsageRequest = {
  ProductCode: 'acme-ami',
  Timestamp: new Date(),
  UsageDimension: 'hours',
  UsageQuantity: 1,
};`,
    },
    MeterUsageResult: { example: `const { MeteringRecordId } = await svc.meterUsage(input);` },
    RegisterUsageRequest: {
      example: `const input: RegisterUsageRequest = { ProductCode: 'acme-container', PublicKeyVersion: 1, Nonce: 'pod-42' };`,
    },
    RegisterUsageResult: {
      example: `const { Signature } = await svc.registerUsage(input);
const payload = JSON.parse(Buffer.from(Signature!.split('.')[1]!, 'base64url').toString());`,
    },
    ResolveCustomerRequest: {
      example: `const input: ResolveCustomerRequest = { RegistrationToken: form['x-amzn-marketplace-token'] };`,
    },
    ResolveCustomerResult: {
      example: `const { CustomerIdentifier, CustomerAWSAccountId, LicenseArn } = await svc.resolveCustomer(input);`,
    },
  },
};
