/**
 * `main.ts` with the development-only modules imported up front, as every start did before
 * they moved behind the branches that need them: the "before" side of `bench/cold_start.ts`.
 * @module
 */
import "esbuild";
import "@electric-sql/pglite";
import "@electric-sql/pglite-socket";
await import("../main.ts");
