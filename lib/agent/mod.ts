/**
 * The assistant (issue 4): builds the ChatKit responder from the environment (provider, model) and
 * the `agent` section of `fresh.config.ts` (name, instructions, model settings, history, titles).
 *
 * Everything — HTTP client, models, agents, runner — is built once here, not per request. Tracing
 * is off unless `OPENAI_AGENTS_TRACING` is true, so no request leaves the machine except to the
 * configured provider.
 * @module
 */
import type { AttachmentService } from "../attachments/service.ts";
import {
  Agent,
  getDefaultModelSettings,
  Runner,
  setTracingDisabled,
  setTracingExportApiKey,
} from "@openai/agents";
import type { Responder } from "../chatkit/responder.ts";
import type { Config } from "../config.ts";
import { log } from "../log.ts";
import {
  createModels,
  describeProvider,
  NO_PROVIDER_MESSAGE,
  resolveProvider,
} from "./provider.ts";
import type { Tool } from "@openai/agents";
import type { Sql } from "../db/mod.ts";
import type { AgentContext, PreModelStep } from "./context.ts";
import { AgentResponder, UnconfiguredResponder } from "./responder.ts";
import type { TurnParts } from "./turn.ts";
import type { ResolvedAgentSettings } from "./settings.ts";
import { TitleWriter } from "./title.ts";

export type { AgentContext, PreModelResult, PreModelStep } from "./context.ts";
export type { AgentSettings } from "./settings.ts";
export { DEFAULT_AGENT_SETTINGS } from "./settings.ts";

/** What the responder reads data with (see `AgentContext`). */
export interface ResponderDeps {
  /** App-wide data (the knowledge base) for tools and steps. */
  sql: Sql;
  /** Steps run before each model call (e.g. knowledge retrieval), concurrently with history. */
  steps?: PreModelStep[];
  /** Attachments as model input (images, PDFs, text files); unset: named only. */
  attachments?: AttachmentService;
  /** Tools of app features (e.g. `search_knowledge`), after `settings.tools`. */
  tools?: Tool<AgentContext>[];
  /** Instructions of app features, after `settings.instructions`. */
  instructions?: string;
  /** Rewrites finished assistant messages (see `TurnParts.finalize`). */
  finalize?: TurnParts["finalize"];
}

/** Builds the responder; without a provider, one that answers every turn with what to set. */
export function createResponder(
  config: Pick<Config, "llm">,
  settings: ResolvedAgentSettings,
  deps: ResponderDeps,
): Responder {
  const tracing = config.llm.tracing;
  setTracingDisabled(!tracing);
  const provider = resolveProvider(config.llm);
  if (!provider) {
    log.warn("agent: no model provider configured", { hint: NO_PROVIDER_MESSAGE });
    return new UnconfiguredResponder(NO_PROVIDER_MESSAGE);
  }
  if (tracing && provider.kind === "openai" && !provider.baseUrl) {
    setTracingExportApiKey(provider.apiKey);
  }
  const models = createModels(provider, { maxRetries: settings.maxRetries });
  const agent = new Agent<AgentContext>({
    name: settings.name,
    instructions: deps.instructions
      ? `${settings.instructions}\n\n${deps.instructions}`
      : settings.instructions,
    model: models.model,
    // The SDK's defaults for known model names (e.g. reasoning effort for GPT-5), then ours.
    modelSettings: { ...getDefaultModelSettings(provider.model), ...settings.modelSettings },
    tools: [...settings.tools, ...(deps.tools ?? [])],
  });
  const runner = new Runner({
    tracingDisabled: !tracing,
    traceIncludeSensitiveData: false,
    workflowName: "deno-chatkit",
  });
  const titles = settings.title.enabled
    ? new TitleWriter(models.titleModel, runner, {
      ...settings.title,
      modelSettings: {
        ...getDefaultModelSettings(provider.titleModel),
        ...settings.title.modelSettings,
      },
    })
    : null;
  log.info("agent: model provider", {
    provider: describeProvider(provider),
    model: provider.model,
    titleModel: settings.title.enabled ? provider.titleModel : "(titles off)",
    tracing,
  });
  return new AgentResponder({
    provider,
    agent,
    runner,
    titles,
    settings,
    sql: deps.sql,
    steps: deps.steps ?? [],
    ...(deps.attachments ? { attachments: deps.attachments } : {}),
    finalize: deps.finalize,
  });
}
