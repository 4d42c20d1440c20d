/**
 * A real headless Chromium for tests, from the npm package @sparticuz/chromium (a devDependency,
 * so `npm install` brings it; nothing is downloaded at test time), driven by playwright-core.
 * Launch it once per test file.
 */

import chromium from '@sparticuz/chromium';
import { chromium as playwright, type Browser } from 'playwright-core';

/**
 * The package's flags are tuned for AWS Lambda. Dropped here: --single-process (closing one page
 * can take the whole browser down), the two that turn off web security (the pages under test must
 * run under the same rules as in a user's browser), and software-emulated GL (SwiftShader): plain
 * CPU rendering answers each mouse event in about half the time on a 2-core machine.
 */
const DROPPED = /^--(single-process|disable-web-security|allow-running-insecure-content|in-process-gpu|use-gl=.*|use-angle=.*|enable-unsafe-swiftshader)$/;

export async function launchBrowser(): Promise<Browser> {
  const executablePath = await chromium.executablePath();
  const args = [...chromium.args.filter((a) => !DROPPED.test(a)), '--disable-gpu'];
  return playwright.launch({ executablePath, args, headless: true });
}
