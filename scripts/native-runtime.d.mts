// Types for scripts/native-runtime.mjs, so that TypeScript tests can import it.
export interface Runtime {
  name: 'node' | 'electron';
  version: string;
  abi: number;
  label: string;
}
export interface ExpectedRuntime {
  name: 'node' | 'electron';
  version: string;
  abi: number | null;
  label: string;
}
export interface ElectronInstall {
  version: string;
  abi: number | null;
  binary: string | null;
}
export interface NativeReport {
  module: string;
  runtime: Runtime;
  expected: ExpectedRuntime;
  builtFor: { abi: number; runtimes: string } | null;
  loads: boolean;
  builtForExpected: boolean;
  message: string;
}
export function parseAbiMismatch(message: string): { builtFor: number; needs: number } | null;
export function abiFromBinary(bytes: Uint8Array): number | null;
export function describeAbi(abi: number, registry?: { abi: string; runtime: string; target: string }[] | null): string;
export function currentRuntime(versions?: NodeJS.ProcessVersions & { electron?: string }): Runtime;
export function rebuildCommand(runtime: { name: 'node' | 'electron'; version: string }): string;
export function rebuildPlan(runtime: { name: 'node' | 'electron'; version: string }): { command: string; args: string[]; env: Record<string, string> };
export function runnerFor(
  expected: { name: 'node' | 'electron' },
  electronBinary: string | null,
  argv: string[],
  execPath?: string,
): { command: string; args: string[]; env: Record<string, string> };
export function modulePath(): string;
export function electronInstall(dir?: string): ElectronInstall | null;
export function expectedRuntime(electron?: ElectronInstall | null, node?: Runtime): ExpectedRuntime;
export function checkNativeModule(options?: {
  file?: string;
  runtime?: Runtime;
  expected?: ExpectedRuntime;
  load?: (file: string) => void;
}): NativeReport;
export function expectedMessage(report: NativeReport): string;
