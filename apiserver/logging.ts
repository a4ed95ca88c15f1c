// What pino must never print. Secrets are masked at the source too; this is the second line of defence for
// anything that reaches a log line through a request or an error object.
export const redactPaths: string[] = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-csrf-token"]',
  'req.headers["x-webhook-secret"]',
  'req.headers["x-setup-token"]',
  'res.headers["set-cookie"]',
  '*.password',
  '*.current_password',
  '*.new_password',
  '*.setup_token',
  '*.totp_token',
  '*.recovery_codes',
  '*.passwordHash',
  '*.totpSecret',
  '*.token',
  '*.secret',
  '*.stringData',
  '*.data',
];
