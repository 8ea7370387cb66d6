import ChatWidget, { type ChatWidgetProps } from "../islands/ChatWidget.tsx";
import { ANONYMOUS_IDENTITY } from "../components/chat/client/memory.ts";
import { asset } from "../lib/fresh/runtime.ts";
import type { PageProps } from "../lib/fresh/types.ts";
import { define, type State } from "../lib/state.ts";

/** The domain key used when `CHATKIT_DOMAIN_KEY` is unset (fine on localhost). */
const DEVELOPMENT_DOMAIN_KEY = "domain_pk_localhost_dev";

interface HomeData {
  widget: ChatWidgetProps;
}

export const handler = define.handlers<HomeData>({
  async GET(ctx) {
    const { services } = ctx.state;
    const { user } = ctx.state;
    const { chatkit: settings, limits } = services.settings;
    const widget: ChatWidgetProps = {
      settings,
      domainKey: services.config.chatkitDomainKey ?? DEVELOPMENT_DOMAIN_KEY,
      identity: user ? { key: user.id, name: user.name } : { key: ANONYMOUS_IDENTITY },
      attachments: { maxSize: limits.maxAttachmentBytes, mimeTypes: limits.attachmentMimeTypes },
    };
    if (user) {
      // A signed-in user with nothing remembered on this device reopens their latest thread.
      const page = await ctx.state.store.loadThreads(1, undefined, "desc");
      if (page.data[0]) widget.latestThreadId = page.data[0].id;
    }
    return ctx.render({ widget });
  },
});

/** The start page, with the chat launcher. */
export default function Home({ state, data }: PageProps<HomeData, State>) {
  const { site } = state.services.settings;
  return (
    <main class="page">
      <link rel="stylesheet" href={asset("/chat.css")} />
      <h1>{site.title}</h1>
      <p>{site.description}</p>
      <ChatWidget {...data.widget} />
    </main>
  );
}
