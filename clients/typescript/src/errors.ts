/** Typed errors carrying the server's RFC 9457 problem (docs/api.md, "Errors"). */
export interface Problem {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  field?: string;
  state?: string;
  [extension: string]: unknown;
}

/** A failed call: method, path, HTTP status (0 when no answer came) and the problem body. */
export class WarrenError extends Error {
  readonly type: string;
  readonly detail: string;
  readonly field?: string;

  constructor(readonly method: string, readonly path: string, readonly status: number, readonly problem: Problem, message?: string) {
    const type = String(problem.type ?? '').split('/').pop() ?? '';
    super(message ?? `${method} ${path} failed with ${status} ${type}: ${problem.detail ?? ''}${problem.field ? ` (field ${problem.field})` : ''}`);
    this.name = new.target.name;
    this.type = type;
    this.detail = String(problem.detail ?? message ?? '');
    this.field = problem.field;
  }
}
/** 400: bad input; `field` names the member. */
export class InvalidInputError extends WarrenError {}
/** 401 or 403. */
export class UnauthorizedError extends WarrenError {}
/** 404. */
export class NotFoundError extends WarrenError {}
/** 409: wrong state (`state` when the server says). */
export class ConflictError extends WarrenError {
  get state(): string | undefined {
    return this.problem.state;
  }
}
/** 429, after the retries. */
export class LimitExceededError extends WarrenError {}
/** 502, 503, 504 or no connection, after the retries. */
export class UnavailableError extends WarrenError {}

export function errorFor(status: number): typeof WarrenError {
  switch (status) {
    case 400: return InvalidInputError;
    case 401: case 403: return UnauthorizedError;
    case 404: return NotFoundError;
    case 409: return ConflictError;
    case 429: return LimitExceededError;
    case 502: case 503: case 504: return UnavailableError;
    default: return WarrenError;
  }
}
