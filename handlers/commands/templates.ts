import type { CommandHandler } from '../../src/chat/handler-types.js';

/** `/triage templates`: the suggested-reply templates and when each is offered. */
export const templates: CommandHandler = {
  name: 'templates',
  description: 'The suggested-reply templates and when each is offered',
  run(_, ctx) {
    const fields = ctx.deps.templates.templates.map((t) => ({
      name: `${t.name} (${t.id})`,
      value: `${t.when.categories ? `for ${t.when.categories.join(', ')}` : 'for anything'}\n${t.text}`,
    }));
    return { kind: 'report', sections: [{ title: 'Reply templates', fields }] };
  },
};
