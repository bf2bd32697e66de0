import type { CommandHandler } from '../../src/chat/handler-types.js';

/** `/triage find <text>`: alerts whose post contains the text. */
export const find: CommandHandler = {
  name: 'find',
  description: 'Find alerts whose post contains some text',
  options: [{ name: 'text', description: 'Words to look for', required: true, minLength: 2, maxLength: 100 }],
  async run(request, ctx) {
    const text = request.options.text ?? '';
    if (text.trim().length < 2) return { kind: 'text', text: 'Give at least two characters to look for.' };
    const alerts = await ctx.deps.store.findAlerts(text, 20);
    return { kind: 'report', sections: [{ title: `Alerts mentioning "${text}": ${alerts.length}${alerts.length === 20 ? '+' : ''}`, alerts, empty: 'None found.' }] };
  },
};
