// The one part of papaparse the core uses: its low-level Parser, which parses a
// string and reports where the last complete row ended, so chunks can be fed in
// one by one. Declared here, and imported as 'papaparse/papaparse.js', because
// @types/papaparse references Node's types (`/// <reference types="node" />`),
// which would make `process` and `Buffer` type-check everywhere in src-core.

declare module 'papaparse/papaparse.js' {
  interface ParserConfig {
    delimiter?: string;
    newline?: '\n' | '\r' | '\r\n';
    quoteChar?: string;
  }
  interface ParseError {
    type: string;
    code: string;
    message: string;
    /** The row, counted within this parse call. */
    row?: number;
  }
  interface ParserResult {
    data: string[][];
    errors: ParseError[];
    meta: {
      /** Absolute position (baseIndex + offset) just past the last complete row. */
      cursor: number;
    };
  }
  class Parser {
    constructor(config: ParserConfig);
    /**
     * Parses `input`; with ignoreLastRow, an unterminated last row is left out and
     * meta.cursor points at its start.
     */
    parse(input: string, baseIndex: number, ignoreLastRow: boolean): ParserResult;
  }
  const Papa: { Parser: typeof Parser };
  export default Papa;
}
