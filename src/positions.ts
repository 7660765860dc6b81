/**
 * Line and column of places in a JSON(C) text: of a character offset, and of the value at a
 * JSON path (`["tasks", 3, "dependencies", 0]`), which is how a problem found in the parsed data
 * is shown where it is in the file.
 *
 * @module
 */
import { createScanner } from "./deps/jsonc_parser.ts";
import type { Problem } from "./task.ts";

/** A node of the tree of wanted paths: its children by key or index, and where its value starts. */
interface Wanted {
  children?: Map<string | number, Wanted>;
  offset?: number;
}

/** One open object or array while the text is walked. */
interface Frame {
  wanted: Wanted | undefined;
  /** The index of the current element (arrays), or -1. */
  index: number;
  /** The key of the current property (objects) and where that key starts. */
  key?: string;
  keyOffset: number;
  isArray: boolean;
}

/**
 * Finds the line and column of offsets and JSON paths in one text.
 *
 * @example
 * ```ts
 * import { Positions } from "./positions.ts";
 * const positions = new Positions('{\n  "tasks": [1]\n}');
 * positions.at(4); // { line: 2, column: 3 }
 * positions.locate([{ message: "bad", path: ["tasks", 0] }]); // [{ message: "bad", line: 2, column: 13 }]
 * ```
 */
export class Positions {
  readonly #text: string;
  #lineStarts?: number[];

  /** Positions in `text`. */
  constructor(text: string) {
    this.#text = text;
  }

  /** 1-based line and column of a character offset. */
  at(offset: number): { line: number; column: number } {
    this.#lineStarts ??= [0, ...[...this.#text.matchAll(/\n/g)].map((m) => m.index! + 1)];
    const starts = this.#lineStarts;
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - starts[lo] + 1 };
  }

  /**
   * Fills in line and column from each problem's JSON path: the place of the deepest part of the
   * path that exists, and for a property its key, which is where a reader looks for a misspelling.
   * The text is scanned once, building nothing but the offsets asked for: a tree of the whole file
   * cost a second and most of the memory of checking 100k tasks.
   */
  locate(problems: Problem[]): Problem[] {
    if (problems.length === 0) return problems;
    const root: Wanted = {};
    for (const { path } of problems) {
      let node = root;
      for (const segment of path ?? []) {
        node.children ??= new Map();
        let child = node.children.get(segment);
        if (!child) node.children.set(segment, child = {});
        node = child;
      }
    }
    this.#walk(root);
    return problems.map(({ path, ...problem }) => {
      if (!path) return problem;
      let node: Wanted | undefined = root;
      let offset = root.offset;
      for (const segment of path) {
        node = node.children?.get(segment);
        if (node?.offset === undefined) break;
        offset = node.offset;
      }
      return offset === undefined ? problem : { ...problem, ...this.at(offset) };
    });
  }

  /**
   * Records the offset of every wanted value. A loop over the scanner's tokens with a stack of its
   * own: the text may nest deeper than a recursive parser can go, and it is known to parse.
   */
  #walk(root: Wanted): void {
    const stack: Frame[] = [];
    const scanner = createScanner(this.#text, true);
    // Where a value starting at `offset` belongs: returns its wanted node, after recording it.
    const begin = (offset: number): Wanted | undefined => {
      const parent = stack.at(-1);
      let wanted: Wanted | undefined;
      if (!parent) wanted = root;
      else if (parent.isArray) wanted = parent.wanted?.children?.get(++parent.index);
      else wanted = parent.key === undefined ? undefined : parent.wanted?.children?.get(parent.key);
      if (wanted && wanted.offset === undefined) {
        wanted.offset = parent && !parent.isArray ? parent.keyOffset : offset;
      }
      return wanted;
    };
    for (let token = scanner.scan(); token !== EOF; token = scanner.scan()) {
      const offset = scanner.getTokenOffset();
      const frame = stack.at(-1);
      switch (token) {
        case OPEN_BRACE:
        case OPEN_BRACKET:
          stack.push({ wanted: begin(offset), index: -1, keyOffset: -1, isArray: token === OPEN_BRACKET });
          break;
        case CLOSE_BRACE:
        case CLOSE_BRACKET:
          stack.pop();
          break;
        case COMMA:
          if (frame && !frame.isArray) frame.key = undefined;
          break;
        case STRING:
          if (frame && !frame.isArray && frame.key === undefined) {
            frame.key = scanner.getTokenValue();
            frame.keyOffset = offset;
          } else begin(offset);
          break;
        case NULL:
        case TRUE:
        case FALSE:
        case NUMBER:
          begin(offset);
      }
    }
  }
}

// jsonc-parser's SyntaxKind, a const enum its types declare and its code does not export.
const OPEN_BRACE = 1, CLOSE_BRACE = 2, OPEN_BRACKET = 3, CLOSE_BRACKET = 4, COMMA = 5;
const NULL = 7, TRUE = 8, FALSE = 9, STRING = 10, NUMBER = 11, EOF = 17;
