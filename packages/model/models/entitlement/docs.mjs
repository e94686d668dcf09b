// What the generated documentation adds to the entitlement model's own: examples of the request
// and of an entitlement, the meaning of the filter names (which the model lists bare), and the
// base exception's description. Keyed by shape name; read by scripts/generate.mjs.

export default {
  serviceException: {
    documentation: `An error answered by the service. Modelled errors are subclasses named after
their shape (\`InvalidParameterException\`, ...); any other error code is an instance of this class
whose \`name\` is the code from the response.`,
  },
  shapes: {
    GetEntitlementFilterName: {
      values: {
        CUSTOMER_IDENTIFIER: 'The customer identifier ResolveCustomer returned (SaaS).',
        DIMENSION: 'The dimension the entitlement is for.',
        CUSTOMER_AWS_ACCOUNT_ID: "The buyer's AWS account ID.",
        LICENSE_ARN: 'The ARN of the licence granted by the agreement.',
      },
    },
    GetEntitlementsRequest: {
      example: `const input: GetEntitlementsRequest = {
  ProductCode: 'acme-saas',
  Filter: { CUSTOMER_AWS_ACCOUNT_ID: ['210987654321'] },
  MaxResults: 25,
};`,
    },
    Entitlement: {
      example: `const entitlement: Entitlement = {
  ProductCode: 'acme-saas',
  Dimension: 'seats',
  CustomerIdentifier: 'globex-on-acme',
  CustomerAWSAccountId: '210987654321',
  Value: { IntegerValue: 25 },
  ExpirationDate: new Date('2027-01-01T00:00:00Z'),
};`,
    },
  },
};
