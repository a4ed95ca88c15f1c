// How the client commands fail: a CliError carries the message a person reads and the exit code, and every other
// failure (a Status from the server, a refused connection) is turned into one line, never a stack trace.
import { ApiException } from '@kubernetes/client-node';

/** 2: the command line is wrong (as for usage errors elsewhere); 1: the command could not do its work. */
export class CliError extends Error {
  readonly exitCode: number;

  constructor(message: string, exitCode = 1) {
    super(message);
    this.name = 'CliError';
    this.exitCode = exitCode;
  }
}

export class UsageError extends CliError {
  constructor(message: string) {
    super(message, 2);
    this.name = 'UsageError';
  }
}

interface StatusBody {
  reason?: unknown;
  message?: unknown;
}

function statusOf(body: unknown): StatusBody | undefined {
  if (typeof body === 'string') {
    try {
      return statusOf(JSON.parse(body));
    } catch {
      return undefined;
    }
  }
  return typeof body === 'object' && body !== null ? (body as StatusBody) : undefined;
}

/** The server's Status as kubectl prints it: `Error from server (Reason): message`. */
export function describeError(error: unknown): string {
  if (error instanceof CliError) return error.message;
  if (error instanceof ApiException) {
    const status = statusOf(error.body);
    const reason = typeof status?.reason === 'string' && status.reason !== '' ? status.reason : `HTTP ${error.code}`;
    const message = typeof status?.message === 'string' ? status.message : String(error.body);
    return `Error from server (${reason}): ${message}`;
  }
  if (error instanceof Error) {
    // undici reports connection problems as "fetch failed" with the real reason as the cause.
    const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
    return `${error.message}${cause}`;
  }
  return String(error);
}

/** Runs a command body; prints any failure as one line on stderr and returns the exit code. */
export async function runCommand(name: string, body: () => Promise<number>): Promise<number> {
  try {
    return await body();
  } catch (error) {
    process.stderr.write(`vigil ${name}: ${describeError(error)}\n`);
    return error instanceof CliError ? error.exitCode : 1;
  }
}
