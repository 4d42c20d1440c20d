/**
 * A test hook, off unless the environment variable MNIST_TEST_SIGNAL_AT is set: it makes the
 * program send itself a signal at a named point of a run, so tests can check what a signal at
 * that exact moment does (a signal from outside cannot be timed to land, say, during the save).
 *
 *   MNIST_TEST_SIGNAL_AT=<point>[:<SIGNAL>[:<count>]][,...]   e.g. before-save:SIGTERM:2
 *
 * Points used by `train`: before-data (the data starts loading), before-test (after the last
 * batch, before the test pass) and
 * before-save (the save starts while the signal is being handled). The signal is delivered
 * through the real handlers, asynchronously, exactly like one sent with `kill`.
 */

const VARIABLE = 'MNIST_TEST_SIGNAL_AT';

export function signalPoint(point: string): void {
  const spec = process.env[VARIABLE];
  if (!spec) return;
  for (const item of spec.split(',')) {
    const [name, signal = 'SIGINT', count = '1'] = item.split(':');
    if (name !== point) continue;
    for (let i = 0; i < Number(count); i++) process.kill(process.pid, signal as NodeJS.Signals);
  }
}
