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
