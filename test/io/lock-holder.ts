/**
 * A child process for the run-lock tests: `lock-holder.ts TARGET hold|exit` takes the lock of folder TARGET and
 * prints "locked"; `hold` then waits until it is signalled, `exit` lets the process end without calling release().
 */
import { acquireRunLock } from '../../src/io/run-lock.js';

const [target, mode] = process.argv.slice(2);
if (target === undefined || (mode !== 'hold' && mode !== 'exit')) throw new Error('usage: lock-holder.ts TARGET hold|exit');
acquireRunLock(target, { kind: 'folder', command: 'vizwiz test' });
process.stdout.write('locked\n');
if (mode === 'hold') setInterval(() => {}, 1000);
