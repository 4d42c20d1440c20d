/**
 * Starts the built `mnist serve` as a child process on a free loopback port and waits for the URL
 * it prints. stop() sends a signal and resolves with the exit code and output.
 */

import { spawn } from 'node:child_process';
import { BIN, ROOT } from './cli.js';

export interface Served {
  url: string;
  stdout: () => string;
  stderr: () => string;
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; stdout: string; stderr: string }>;
}

export function startServe(args: string[], timeoutMs = 20_000): Promise<Served> {
  const child = spawn(process.execPath, [BIN, 'serve', ...args], {
    cwd: ROOT,
    env: { ...process.env, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`mnist serve printed no URL in ${timeoutMs} ms; stdout: ${stdout} stderr: ${stderr}`));
    }, timeoutMs);
    const check = () => {
      const match = stdout.match(/at (http:\/\/\S+\/)/);
      if (!match) return;
      clearTimeout(timer);
      child.stdout!.off('data', check);
      resolve({
        url: match[1],
        stdout: () => stdout,
        stderr: () => stderr,
        async stop(signal: NodeJS.Signals = 'SIGINT') {
          child.kill(signal);
          const code = await exited;
          return { code, stdout, stderr };
        },
      });
    };
    child.stdout!.on('data', check);
    exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`mnist serve exited with ${code} before printing a URL: ${stderr}`));
    });
  });
}
