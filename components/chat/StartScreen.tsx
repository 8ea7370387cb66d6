/**
 * The new-thread view: the greeting and the configured prompt suggestions.
 * @module
 */
import type { StartPrompt } from "./settings.ts";
import { ChatIcon, PromptIcon } from "./icons.tsx";

export interface StartScreenProps {
  greeting: string;
  prompts: StartPrompt[];
  onPrompt(prompt: string): void;
}

export function StartScreen({ greeting, prompts, onPrompt }: StartScreenProps) {
  return (
    <div class="ck-start">
      <div class="ck-start-badge" aria-hidden="true">
        <ChatIcon size={28} />
      </div>
      <h3 class="ck-greeting">{greeting}</h3>
      {prompts.length > 0
        ? (
          <ul class="ck-prompts" aria-label="Suggestions">
            {prompts.map((prompt) => (
              <li key={prompt.label}>
                <button type="button" class="ck-prompt" onClick={() => onPrompt(prompt.prompt)}>
                  <PromptIcon name={prompt.icon} />
                  <span>{prompt.label}</span>
                </button>
              </li>
            ))}
          </ul>
        )
        : null}
    </div>
  );
}
