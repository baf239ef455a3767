// Web-platform globals that every runtime the core runs in (Node 20+, Electron's
// utility process, workers, browsers) provides. Declared here, minimally, because
// the core is type-checked without the DOM or Node libraries.

interface AbortSignalLike {
  readonly aborted: boolean;
}

declare class TextDecoder {
  constructor(label?: string, options?: { fatal?: boolean; ignoreBOM?: boolean });
  decode(input?: ArrayBufferView | ArrayBuffer, options?: { stream?: boolean }): string;
}

declare class TextEncoder {
  encode(input?: string): Uint8Array;
}

declare const performance: { now(): number };

declare function setTimeout(callback: () => void, ms?: number): unknown;

// WebAssembly, as far as the core's kernels use it (wasm/engine.ts): synchronous
// compilation and instantiation from bytes, and an imported, growable memory.
declare namespace WebAssembly {
  class Module {
    constructor(bytes: Uint8Array);
  }
  class Instance {
    constructor(module: Module, imports?: Record<string, Record<string, unknown>>);
    readonly exports: Record<string, unknown>;
  }
  class Memory {
    constructor(descriptor: { initial: number; maximum?: number });
    readonly buffer: ArrayBuffer;
    /** Grows by delta pages of 64 KiB; returns the old size in pages. Detaches the old buffer. */
    grow(delta: number): number;
  }
  class Global {
    readonly value: unknown;
  }
  function validate(bytes: Uint8Array): boolean;
}
