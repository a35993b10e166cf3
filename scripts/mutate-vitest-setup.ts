/**
 * Set-up for the tests `pnpm mutate` runs: a property that fails stops at its first counterexample instead of
 * shrinking it. A mutant is killed by any failure; shrinking only makes the kill slower (it can replay a
 * failing command sequence hundreds of times).
 */
import fc from 'fast-check';

fc.configureGlobal({ ...fc.readConfigureGlobal(), endOnFailure: true });
