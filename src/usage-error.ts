/** Bad input: main prints `exechealthz: <message>` on one line and exits 2. */
export class UsageError extends Error {}
