/**
 * `GET /embed.js`: the one script tag a site adds to get the assistant (see lib/embed/loader.ts).
 * Public and the same for everyone: loadable from any site, cached for a few minutes.
 */
import { ServiceUnavailableError } from "../lib/errors.ts";
import { LOADER_MAX_AGE, loaderScript } from "../lib/embed/loader.ts";
import type { EmbedBootConfig } from "../lib/embed/protocol.ts";
import { widgetDefaults } from "../lib/embed/settings.ts";
import { clientScript } from "../lib/fresh/runtime.ts";
import { define } from "../lib/state.ts";

export const handler = define.handlers({
  GET(ctx) {
    const bundle = clientScript("embed");
    if (!bundle) throw new ServiceUnavailableError("The embed bundle was not built");
    const { services } = ctx.state;
    const { limits } = services.settings;
    const config: EmbedBootConfig = {
      bundle,
      defaults: widgetDefaults(services.embed.settings),
      settings: services.settings.chatkit,
      attachments: { maxSize: limits.maxAttachmentBytes, mimeTypes: limits.attachmentMimeTypes },
    };
    if (services.config.chatkitDomainKey) config.domainKey = services.config.chatkitDomainKey;
    return new Response(ctx.req.method === "HEAD" ? null : loaderScript(config), {
      headers: {
        "content-type": "text/javascript; charset=utf-8",
        "cache-control": `public, max-age=${LOADER_MAX_AGE}`,
        "cross-origin-resource-policy": "cross-origin",
      },
    });
  },
});
