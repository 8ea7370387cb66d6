/**
 * Throwaway certificates made with openssl: a CA and a server certificate it signs, for
 * `localhost` and 127.0.0.1, so a test cluster can run with TLS and a client can check it.
 * @module
 */
import { makeSharedTempDir } from "./shared_dir.ts";

/** Files of a test PKI (PEM). */
export interface TestPki {
  dir: string;
  caCert: string;
  serverCert: string;
  serverKey: string;
  remove(): Promise<void>;
}

async function openssl(args: string[], cwd: string): Promise<void> {
  const out = await new Deno.Command("openssl", { args, cwd, stdout: "piped", stderr: "piped" })
    .output();
  if (!out.success) {
    throw new Error(`openssl ${args[0]} failed: ${new TextDecoder().decode(out.stderr)}`);
  }
}

/** Makes a CA and a server certificate for 127.0.0.1/localhost; `owner` gets the key. */
export async function makeTestPki(owner?: string): Promise<TestPki> {
  // The server's user (`owner`) may not enter the test run's private TMPDIR: use /tmp then.
  const dir = owner
    ? await makeSharedTempDir("pki")
    : await Deno.makeTempDir({ prefix: "chatkit-pki-" });
  await openssl([
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-days",
    "2",
    "-subj",
    "/CN=deno-chatkit test CA",
    "-keyout",
    "ca.key",
    "-out",
    "ca.crt",
  ], dir);
  await openssl([
    "req",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-subj",
    "/CN=localhost",
    "-keyout",
    "server.key",
    "-out",
    "server.csr",
  ], dir);
  await Deno.writeTextFile(
    `${dir}/ext.cnf`,
    "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n",
  );
  await openssl([
    "x509",
    "-req",
    "-in",
    "server.csr",
    "-CA",
    "ca.crt",
    "-CAkey",
    "ca.key",
    "-CAcreateserial",
    "-days",
    "2",
    "-extfile",
    "ext.cnf",
    "-out",
    "server.crt",
  ], dir);
  await Deno.chmod(`${dir}/server.key`, 0o600);
  if (owner) {
    await new Deno.Command("chown", { args: ["-R", `${owner}:${owner}`, dir] }).output();
  }
  return {
    dir,
    caCert: `${dir}/ca.crt`,
    serverCert: `${dir}/server.crt`,
    serverKey: `${dir}/server.key`,
    remove: () => Deno.remove(dir, { recursive: true }).catch(() => {}),
  };
}
