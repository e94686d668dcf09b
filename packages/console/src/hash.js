// The parameters after `?` in the address's #fragment (#/audit?requestId=…), read and written.
export const hashParams = () => new URLSearchParams(location.hash.split('?')[1] ?? '');

export function setHashParams(params) {
  const page = location.hash.split('?')[0] || '#/';
  const q = new URLSearchParams(Object.entries(params).filter(([, v]) => v)).toString();
  history.replaceState(null, '', q ? `${page}?${q}` : page);
}
