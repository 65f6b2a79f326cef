/**
 * Errors in the shape BigQuery's REST API returns them, because the client
 * library reads `error.errors[].reason` to decide what to retry and callers
 * branch on `code`/`reason` (e.g. 409 `duplicate` for a reused job id).
 */
export type ErrorBody = {
  error: {
    code: number;
    message: string;
    errors: { message: string; domain: string; reason: string }[];
    status: string;
  };
};

const STATUS_TEXT: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  404: 'NOT_FOUND',
  409: 'ALREADY_EXISTS',
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
  501: 'UNIMPLEMENTED',
  503: 'UNAVAILABLE',
};

export class ApiError extends Error {
  constructor(
    readonly code: number,
    /** BigQuery's reason: badRequest, invalid, notFound, duplicate, rateLimitExceeded, backendError, ... */
    readonly reason: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  body(): ErrorBody {
    return errorBody(this.code, this.reason, this.message);
  }
}

export function errorBody(code: number, reason: string, message: string): ErrorBody {
  return {
    error: {
      code,
      message,
      errors: [{ message, domain: 'global', reason }],
      status: STATUS_TEXT[code] ?? (code >= 500 ? 'INTERNAL' : 'FAILED_PRECONDITION'),
    },
  };
}

/** The reason and message BigQuery gives for a status injected as a fault. */
export function defaultFault(status: number): { reason: string; message: string } {
  switch (status) {
    case 429:
      return { reason: 'rateLimitExceeded', message: 'Exceeded rate limits: too many api requests per user per method for this user_method.' };
    case 500:
      return { reason: 'internalError', message: 'An internal error occurred and the request could not be completed.' };
    case 503:
      return { reason: 'backendError', message: 'Error encountered during execution. Retrying may solve the problem.' };
    default:
      return { reason: status >= 500 ? 'backendError' : 'badRequest', message: `Injected fault: HTTP ${status}` };
  }
}

export const notFound = (what: string): ApiError => new ApiError(404, 'notFound', `Not found: ${what}`);
export const alreadyExists = (what: string): ApiError => new ApiError(409, 'duplicate', `Already Exists: ${what}`);
export const invalid = (message: string): ApiError => new ApiError(400, 'invalid', message);
