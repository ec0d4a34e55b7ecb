/**
 * JUnit XML test reports in the shape of Prometheus's util/junitxml:
 * `<testsuites><testsuite name tests failures errors skipped timestamp>`
 * with one `<testcase name>` per test group, its `<failure>`s and `<error>`.
 */

/** One test case (a test group of a unit test file). */
interface TestCase {
  name: string;
  failures: string[];
  error: string;
}

/** The suite of one unit test file. */
export class TestSuite {
  readonly name: string;
  testCount: number;
  failureCount: number;
  errorCount: number;
  timestamp: string;
  readonly cases: TestCase[];

  constructor(name: string) {
    this.name = name;
    this.testCount = 0;
    this.failureCount = 0;
    this.errorCount = 0;
    this.timestamp = "";
    this.cases = [];
  }

  /** Starts a case; failures and errors go to the last case. */
  case(name: string): void {
    this.cases.push({ name, failures: [], error: "" });
    this.testCount++;
  }

  fail(message: string): void {
    this.failureCount++;
    this.#last().failures.push(message);
  }

  /** Records an error that stopped the whole file. */
  abort(e: Error): void {
    this.errorCount++;
    this.#last().error = e.message;
  }

  setTime(t: string): void {
    this.timestamp = t;
  }

  #last(): TestCase {
    if (this.cases.length === 0) this.case("unknown");
    return this.cases[this.cases.length - 1]!;
  }
}

/** A report of several suites. */
export class JUnitXML {
  readonly suites: TestSuite[];

  constructor() {
    this.suites = [];
  }

  /** Adds and returns the suite of a file. */
  suite(name: string): TestSuite {
    const s = new TestSuite(name);
    this.suites.push(s);
    return s;
  }

  /** The report as Go's xml.Encoder writes it (no declaration, no indentation). */
  toXML(): string {
    let s = "<testsuites>";
    for (const ts of this.suites) {
      s += `<testsuite name="${esc(ts.name)}" tests="${ts.testCount}" failures="${ts.failureCount}" errors="${ts.errorCount}" skipped="0" timestamp="${esc(ts.timestamp)}">`;
      for (const c of ts.cases) {
        s += `<testcase name="${esc(c.name)}">`;
        for (const f of c.failures) s += `<failure>${esc(f)}</failure>`;
        if (c.error !== "") s += `<error>${esc(c.error)}</error>`;
        s += "</testcase>";
      }
      s += "</testsuite>";
    }
    return s + "</testsuites>";
  }
}

/** Go's xml.EscapeText. */
function esc(s: string): string {
  return s.replace(/[&<>"'\t\n\r]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&#34;", "'": "&#39;", "\t": "&#x9;", "\n": "&#xA;", "\r": "&#xD;" })[c]!);
}
