/**
 * The embed's identity over real HTTP: visitor tokens and grants as `Authorization: Bearer`
 * from an allowed origin, on the chat routes only; the refusal other origins can read; CORS for
 * the embed's requests; the popup's grant (claim, scope, revocation).
 */
import assert from "node:assert/strict";
import { createRequest } from "./chatkit_helpers.ts";
import { freshEmail, ownedRows, startAuthHarness, Visitor } from "./auth_helpers.ts";
import { dbTest } from "./support/db.ts";
import { makeImage } from "./support/files.ts";

const ORIGIN = "https://docs.example.com";
const PASSWORD = "embed password 1";

async function start(visitor: Visitor, body: unknown = {}) {
  const res = await visitor.fetch("/embed/token", {
    method: "POST",
    headers: { "content-type": "text/plain" },
    body: JSON.stringify(body),
  });
  return { res, json: await res.json() };
}

dbTest(
  "embed identity - a visitor token is an owner on /chatkit from its origin only",
  async (db) => {
    const h = await startAuthHarness(db, { env: { ALLOWED_ORIGINS: ORIGIN } });
    try {
      const embed = new Visitor(h.app, { origin: ORIGIN });
      const { res, json } = await start(embed);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get("access-control-allow-origin"), ORIGIN);
      assert.equal(res.headers.get("cache-control"), "no-store");
      embed.bearer = json.visitorToken;
      const owner = `anon:${json.visitorId}`;

      const events = await embed.stream(createRequest("hello from the docs"));
      const created = events.find((e) => e.type === "thread.created");
      assert.ok(created?.type === "thread.created");
      const [row] = await db.sql`select owner_id from threads where id = ${created.thread.id}`;
      assert.equal(row.owner_id, owner);
      assert.equal(embed.cookies.size, 0, "no cookie for an embed");

      // The same token from another page, without Origin, or for account routes holds nothing.
      const before = await ownedRows(db, [owner]);
      for (const headers of [{ origin: "https://evil.example" }, { origin: "" }]) {
        const other = new Visitor(h.app, headers.origin ? headers : {});
        other.bearer = json.visitorToken;
        const list = await other.post({ type: "threads.list", params: {} });
        assert.equal(list.status, 401, `from ${headers.origin || "no origin"}`);
        await list.body?.cancel();
      }
      const session = await embed.fetch("/api/auth/get-session");
      assert.equal(await session.text(), "null", "no session behind a visitor token");
      assert.equal(await ownedRows(db, [owner]), before);

      // A forged token is refused, and never falls back to a new visitor.
      const forged = new Visitor(h.app, { origin: ORIGIN });
      forged.bearer = json.visitorToken.slice(0, -4) + "AAA=";
      const refused = await forged.post({ type: "threads.list", params: {} });
      assert.equal(refused.status, 401);
      await refused.body?.cancel();

      // Reload: the embed sends its token back and stays the same visitor.
      const again = await start(new Visitor(h.app, { origin: ORIGIN }), {
        visitorToken: json.visitorToken,
      });
      assert.equal(again.json.visitorId, json.visitorId);

      // The preflight of the embed's requests (Bearer + page headers) is allowed for the origin.
      const preflight = await fetch(new URL("/chatkit", h.app.url), {
        method: "OPTIONS",
        headers: {
          origin: ORIGIN,
          "access-control-request-method": "POST",
          "access-control-request-headers": "authorization, content-type, x-chatkit-page-url",
        },
      });
      await preflight.body?.cancel();
      assert.equal(preflight.status, 204);
      assert.equal(preflight.headers.get("access-control-allow-origin"), ORIGIN);
      assert.match(
        preflight.headers.get("access-control-allow-headers") ?? "",
        /x-chatkit-page-url/,
      );
    } finally {
      await h.close();
    }
  },
);

dbTest(
  "embed identity - another origin gets a refusal it can read, and nothing happens",
  async (db) => {
    const h = await startAuthHarness(db, { env: { ALLOWED_ORIGINS: ORIGIN } });
    try {
      const [before] = await db.sql`select count(*)::int as n from rate_limits`;
      const { res, json } = await start(new Visitor(h.app, { origin: "https://evil.example" }));
      assert.equal(res.status, 403);
      assert.equal(res.headers.get("access-control-allow-origin"), "*");
      assert.equal(res.headers.get("set-cookie"), null);
      assert.equal(json.error.code, "origin_not_allowed");
      assert.match(json.error.message, /evil\.example/);
      const [after] = await db.sql`select count(*)::int as n from rate_limits`;
      assert.equal(after.n, before.n, "no visitor minted or counted");
      // The loader is public: the same for every site.
      const script = await h.app.fetch("/embed.js", {
        headers: { origin: "https://evil.example" },
      });
      assert.equal(script.status, 200);
      assert.equal(script.headers.get("set-cookie"), null, "no visitor cookie on a public script");
      assert.match(script.headers.get("content-type") ?? "", /javascript/);
      await script.body?.cancel();
    } finally {
      await h.close();
    }
  },
);

dbTest(
  "embed identity - the popup's grant claims the visitor, chats only, and is revocable",
  async (db) => {
    const h = await startAuthHarness(db, { env: { ALLOWED_ORIGINS: ORIGIN } });
    try {
      const embed = new Visitor(h.app, { origin: ORIGIN });
      const { json: started } = await start(embed);
      embed.bearer = started.visitorToken;
      const events = await embed.stream(createRequest("before signing in"));
      const created = events.find((e) => e.type === "thread.created");
      assert.ok(created?.type === "thread.created");

      // The popup: our own page, signed in with its first-party cookie.
      const popup = new Visitor(h.app);
      const userId = await popup.signUp(freshEmail("embed"), PASSWORD);
      const grantFrom = (origin: string, body: unknown) =>
        popup.fetch("/embed/grant", {
          method: "POST",
          headers: { "content-type": "application/json", origin, "sec-fetch-site": "same-origin" },
          body: JSON.stringify(body),
        });
      const crossSite = await grantFrom("https://evil.example", { origin: ORIGIN });
      assert.equal(crossSite.status, 403, "only our own pages may ask");
      await crossSite.body?.cancel();
      const notAllowed = await grantFrom(h.app.url, { origin: "https://evil.example" });
      assert.equal(notAllowed.status, 403, "only for allowed origins");
      await notAllowed.body?.cancel();
      const res = await grantFrom(h.app.url, {
        origin: ORIGIN,
        visitorToken: started.visitorToken,
      });
      assert.equal(res.status, 200, await res.clone().text());
      const grant = await res.json();
      assert.equal(grant.user.id, userId);
      assert.equal(grant.claimed, 1);
      const [row] = await db.sql`select owner_id from threads where id = ${created.thread.id}`;
      assert.equal(row.owner_id, userId, "the visitor's thread is the account's");

      // The grant chats as the user …
      const signedIn = new Visitor(h.app, { origin: ORIGIN });
      signedIn.bearer = grant.token;
      const list = await signedIn.json<{ data: { id: string }[] }>({
        type: "threads.list",
        params: {},
      });
      assert.deepEqual(list.data.map((t) => t.id), [created.thread.id]);
      // … but is no session: account routes do not see a user.
      const session = await signedIn.fetch("/api/auth/get-session");
      assert.equal(await session.text(), "null");
      const update = await signedIn.fetch("/api/auth/update-user", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ name: "Taken over" }),
      });
      assert.equal(update.status, 401, "no account change with a grant");
      await update.body?.cancel();
      const [user] = await db.sql`select name from "user" where id = ${userId}`;
      assert.notEqual(user.name, "Taken over");

      // The start-up exchange reports the grant as valid until the widget signs out.
      assert.equal((await start(signedIn, { grant: grant.token })).json.user?.id, userId);
      const out = await signedIn.fetch("/embed/signout", { method: "POST" });
      assert.equal(out.status, 204);
      const after = await signedIn.post({ type: "threads.list", params: {} });
      assert.equal(after.status, 401, "a revoked grant holds nothing");
      await after.body?.cancel();
      assert.equal((await start(signedIn, { grant: grant.token })).json.user, undefined);
    } finally {
      await h.close();
    }
  },
);

dbTest(
  "embed identity - an embed's image preview is an absolute signed URL that needs no credentials",
  async (db) => {
    const h = await startAuthHarness(db, { env: { ALLOWED_ORIGINS: ORIGIN } });
    try {
      const embed = new Visitor(h.app, { origin: ORIGIN });
      const { json: started } = await start(embed);
      embed.bearer = started.visitorToken;
      const png = await makeImage(8, 8);
      const attachment = await embed.json<{ id: string }>({
        type: "attachments.create",
        params: { name: "shot.png", size: png.byteLength, mime_type: "image/png" },
      });
      const upload = await embed.fetch(`/chatkit/upload/${attachment.id}`, {
        method: "PUT",
        headers: { "content-type": "image/png" },
        body: new Uint8Array(png),
      });
      assert.equal(upload.status, 200, await upload.clone().text());
      await upload.body?.cancel();
      const events = await embed.stream(
        createRequest("what is this?", { attachments: [attachment.id] }),
      );
      const user = events.flatMap((e) => e.type === "thread.item.done" ? [e.item] : [])
        .find((i) => i.type === "user_message");
      assert.ok(user?.type === "user_message");
      const image = user.attachments[0] as { preview_url?: string };
      const url = new URL(image.preview_url ?? "");
      assert.equal(url.origin, new URL(h.app.url).origin, "absolute: the host page is elsewhere");
      // An <img> on the host page sends neither the token nor a cookie.
      const res = await fetch(url, { headers: { origin: ORIGIN } });
      assert.equal(res.status, 200);
      assert.equal(res.headers.get("content-type"), "image/png");
      assert.deepEqual(new Uint8Array(await res.arrayBuffer()), png);
    } finally {
      await h.close();
    }
  },
);
