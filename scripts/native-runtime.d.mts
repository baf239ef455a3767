// Types for scripts/native-runtime.mjs, so that TypeScript tests can import it.
export interface Runtime {
  name: 'node' | 'electron';
  version: string;
  abi: number;
  label: string;
}
export interface NativeReport {
  module: string;
  runtime: Runtime;
  builtFor: { abi: number; runtimes: string } | null;
  loads: boolean;
  message: string;
}
export function parseAbiMismatch(message: string): { builtFor: number; needs: number } | null;
export function abiFromBinary(bytes: Uint8Array): number | null;
export function describeAbi(abi: number, registry?: { abi: string; runtime: string; target: string }[] | null): string;
export function currentRuntime(versions?: NodeJS.ProcessVersions & { electron?: string }): Runtime;
export function rebuildCommand(runtime: Runtime): string;
export function modulePath(): string;
export function checkNativeModule(options?: { file?: string; runtime?: Runtime; load?: (file: string) => void }): NativeReport;
