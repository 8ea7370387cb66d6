/**
 * Folders only this process's user may enter: the data directory holds the embedded database
 * and generated secrets, which other local users must not read (a session token read from the
 * database files would be enough to act as that user if tokens were not signed).
 * @module
 */

/** Creates `path` (and missing parents) and makes it `0700`, also when it already existed. */
export async function makePrivateDir(path: string): Promise<void> {
  await Deno.mkdir(path, { recursive: true, mode: 0o700 });
  await Deno.chmod(path, 0o700);
}

/**
 * Makes every folder below `root` `0700` and every file `0600`. PGlite creates its files `0666`
 * whatever the umask; the `0700` folder already keeps other users out, this keeps a copied or
 * re-permissioned folder from exposing them.
 */
export async function restrictTree(root: string): Promise<void> {
  for await (const entry of Deno.readDir(root)) {
    const path = `${root}/${entry.name}`;
    if (entry.isDirectory) {
      await Deno.chmod(path, 0o700);
      await restrictTree(path);
    } else if (entry.isFile) {
      await Deno.chmod(path, 0o600);
    }
  }
}
