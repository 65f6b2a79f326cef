/** Kinds of bad input the collector counts and skips (the run always goes on). */
export type ProblemKind =
  | 'invalid_json'
  | 'not_object'
  | 'empty_document'
  | 'non_utf8'
  | 'too_large'
  | 'empty_pointer'
  | 'invalid_pointer'
  | 'read_failed'
  | 'list_failed';

export type Problem = { kind: ProblemKind; object: string; detail: string };
