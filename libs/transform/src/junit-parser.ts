import { SaxesParser, type SaxesTagPlain } from 'saxes';
import { cutFailureText, decodeCharData, parseJunitTime } from './junit-values.util';

/** One test as it goes into a row's `test` field (DESIGN §5). */
/** `failed` is present only on failed tests, as the old tool wrote rows (NULL, not false, in BigQuery). */
export type JunitTest = { name: string; time?: number; failed?: true; failure_text?: string };

/**
 * Why a file gave no tests. `empty`: zero bytes. `malformed`: not well-formed
 * XML, including truncated files and references to undefined entities.
 * `dtd-entities`: a DOCTYPE declaring entities (see `parseJunit`).
 * `unexpected-root`: well-formed so far, but the root is neither
 * `<testsuite>` nor `<testsuites>`.
 */
export type JunitProblemKind = 'empty' | 'malformed' | 'dtd-entities' | 'unexpected-root';

export type JunitParse = {
  tests: JunitTest[];
  problem?: { kind: JunitProblemKind; detail: string };
  /** Tests whose `time` was unparsable and left out. */
  badTimes: number;
  /** Failure texts cut to `FAILURE_TEXT_MAX_BYTES`. */
  cutTexts: number;
};

export const NO_FAILURE_MESSAGE = 'No Failure Message Found';

/** Thrown from inside a handler to stop saxes early; never escapes `parseJunit`. */
class StopParse extends Error {
  constructor(
    readonly kind: JunitProblemKind,
    detail: string,
  ) {
    super(detail);
  }
}

/**
 * Parses one JUnit XML document into row tests, streaming with saxes: no
 * DOM, no text events: the handlers do constant work per element, and a
 * failure's text is sliced from the source by offset once saxes has checked it.
 *
 * Rules (DESIGN §5, with the deliberate differences from the old Kettle):
 * - root `<testsuite>`: its cases are named by the case name alone; root
 *   `<testsuites>`: `"<suite name> <case name>"`. Every element directly under
 *   a `<testsuites>` that is not a `<testcase>` is read as a suite, as the old
 *   code did, so `<properties>` simply has no cases. Suites nested in suites
 *   are read, named by the nearest suite; a suite without `name` (and a case
 *   directly under `<testsuites>`) gives the case name alone.
 * - only direct children of a case count: any `<skipped>` leaves the case out;
 *   each `<failure>`/`<error>` gives its text (character data before its first
 *   child element, like ElementTree's `.text`, whitespace included), else its
 *   `message` (even ""), else `No Failure Message Found`; the last one wins and
 *   the case fails when that is non-empty.
 * - a case without `name` is skipped alone; a passing case whose full name has
 *   `#` is left out (a repeat).
 * - malformed XML gives no tests at all for the file, as the old code did.
 *
 * Hostile XML: the DTD is never interpreted. Nothing is fetched (SYSTEM ids
 * are ignored) and no entity is ever expanded; a DOCTYPE that declares
 * entities makes the file malformed (`dtd-entities`) before any content is
 * read, as defusedxml does, and a reference to any entity other than the five
 * predefined ones is an error in saxes anyway. Memory stays bounded by the
 * file's own size.
 */
export function parseJunit(xml: string): JunitParse {
  if (xml.length === 0) return { tests: [], problem: { kind: 'empty', detail: 'empty file' }, badTimes: 0, cutTexts: 0 };
  const reader = new JunitReader();
  try {
    reader.parse(xml);
  } catch (e) {
    const kind = e instanceof StopParse ? e.kind : 'malformed';
    const detail = e instanceof Error ? e.message : String(e);
    return { tests: [], problem: { kind, detail }, badTimes: 0, cutTexts: 0 };
  }
  return { tests: reader.tests, badTimes: reader.badTimes, cutTexts: reader.cutTexts };
}

// Element roles on the stack.
const SUITES = 0; // <testsuites>: children are suites, or cases named by the inherited prefix
const SUITE = 1; // a suite: <testcase> and <testsuite> children count
const CASE = 2;
const FAULT = 3; // <failure> or <error> directly in a case

class JunitReader {
  readonly tests: JunitTest[] = [];
  badTimes = 0;
  cutTexts = 0;

  private readonly parser = new SaxesParser<{ xmlns: false; position: false }>({ xmlns: false, position: false });
  /** Role of each open element that matters; ignored subtrees are counted in `ignored`. */
  private readonly roles: number[] = [];
  /** Nearest suite name for each open SUITES/SUITE element (undefined: none). */
  private readonly prefixes: (string | undefined)[] = [];
  private ignored = 0;
  private sawRoot = false;

  private caseName = '';
  private caseTime: number | undefined;
  private caseSkipped = false;
  private caseFailure: string | undefined;
  private xml = '';
  /** Source offsets of the current failure's text: it is sliced, never built up by saxes. */
  private faultStart = 0;
  private faultEnd = -1;
  private faultMessage: string | undefined;

  parse(xml: string): void {
    this.xml = xml;
    const p = this.parser;
    p.on('doctype', (doctype) => {
      if (doctype.includes('<!ENTITY')) throw new StopParse('dtd-entities', 'DOCTYPE declares entities; not expanded');
    });
    p.on('opentag', (tag) => this.open(tag));
    p.on('closetag', () => this.close());
    p.write(xml).close();
  }

  private open(tag: SaxesTagPlain): void {
    if (this.ignored > 0) {
      this.ignored++;
      return;
    }
    const depth = this.roles.length;
    if (depth === 0) {
      this.openRoot(tag);
      return;
    }
    const parent = this.roles[depth - 1];
    const name = tag.name;
    switch (parent) {
      case SUITES:
        if (name === 'testcase') this.openCase(tag);
        else if (name === 'testsuites') this.pushSuites();
        else this.pushSuite(tag.attributes.name);
        return;
      case SUITE:
        if (name === 'testcase') this.openCase(tag);
        else if (name === 'testsuite') this.pushSuite(tag.attributes.name);
        else if (name === 'testsuites') this.pushSuites();
        else this.ignored = 1;
        return;
      case CASE:
        if (name === 'failure' || name === 'error') this.openFault(tag);
        else {
          if (name === 'skipped') this.caseSkipped = true;
          this.ignored = 1;
        }
        return;
      default:
        // Inside a failure: ElementTree's `.text` ends at the first child.
        if (this.faultEnd < 0) this.faultEnd = this.tagStart();
        this.ignored = 1;
    }
  }

  private openRoot(tag: SaxesTagPlain): void {
    if (this.sawRoot) return; // saxes rejects a second root; never reached
    this.sawRoot = true;
    if (tag.name === 'testsuites') {
      this.roles.push(SUITES);
      this.prefixes.push(undefined);
    } else if (tag.name === 'testsuite') {
      // A bare suite root names its own cases by the case name alone.
      this.roles.push(SUITE);
      this.prefixes.push(undefined);
    } else {
      throw new StopParse('unexpected-root', `root element <${tag.name}> is neither <testsuite> nor <testsuites>`);
    }
  }

  private pushSuite(name: string | undefined): void {
    this.roles.push(SUITE);
    this.prefixes.push(name);
  }

  private pushSuites(): void {
    this.roles.push(SUITES);
    this.prefixes.push(this.prefixes[this.prefixes.length - 1]);
  }

  private openCase(tag: SaxesTagPlain): void {
    const { name, time } = tag.attributes;
    if (name === undefined) {
      this.ignored = 1; // skipped alone; the old code dropped the rest of the file
      return;
    }
    const prefix = this.prefixes[this.prefixes.length - 1];
    this.caseName = prefix === undefined ? name : `${prefix} ${name}`;
    this.caseTime = parseJunitTime(time);
    this.caseSkipped = false;
    this.caseFailure = undefined;
    this.roles.push(CASE);
  }

  private openFault(tag: SaxesTagPlain): void {
    this.faultStart = this.parser.position;
    this.faultEnd = tag.isSelfClosing ? this.faultStart : -1;
    this.faultMessage = tag.attributes.message;
    this.roles.push(FAULT);
  }

  /** Offset of the `<` of the tag just read (`<` cannot occur inside a tag). */
  private tagStart(): number {
    return this.xml.lastIndexOf('<', this.parser.position - 1);
  }

  private close(): void {
    if (this.ignored > 0) {
      this.ignored--;
      return;
    }
    const role = this.roles.pop();
    if (role === FAULT) {
      if (this.faultEnd < 0) this.faultEnd = this.tagStart();
      const text = this.faultEnd > this.faultStart ? decodeCharData(this.xml.slice(this.faultStart, this.faultEnd)) : '';
      this.caseFailure = text !== '' ? text : (this.faultMessage ?? NO_FAILURE_MESSAGE);
    } else if (role === CASE) {
      this.closeCase();
    } else {
      this.prefixes.pop(); // SUITES or SUITE
    }
  }

  private closeCase(): void {
    if (this.caseSkipped) return;
    const failureText = this.caseFailure;
    const failed = failureText !== undefined && failureText !== '';
    // Passing repeats (`name#2`) are left out: they only inflate the row.
    if (!failed && this.caseName.includes('#')) return;
    const test: JunitTest = failed ? { name: this.caseName, failed: true } : { name: this.caseName };
    if (this.caseTime === undefined) this.badTimes++;
    else test.time = this.caseTime;
    if (failed) {
      const cut = cutFailureText(failureText);
      if (cut !== failureText) this.cutTexts++;
      test.failure_text = cut;
    }
    this.tests.push(test);
  }
}
