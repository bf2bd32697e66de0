import { MessageFlags } from 'discord.js';
import type { CommandHandler } from '../../src/chat/discord/handler-types.js';
import { renderDigestEmbed } from '../../src/digest/render-digest.js';
import { buildDigest } from '../../src/digest/weekly-digest.js';
import { parseWeek, previousWeek } from '../../src/digest/week.js';

/** `/triage digest [week]`: posts a week's digest (the last complete week by default) in the channel. */
export const digest: CommandHandler = {
  data: {
    type: 1,
    name: 'digest',
    description: 'Post the weekly digest (last complete week, or e.g. 2026-W47)',
    options: [{ type: 3, name: 'week', description: 'ISO week such as 2026-W47', required: false, min_length: 8, max_length: 8 }],
  },
  async execute(interaction, ctx) {
    const zone = ctx.timeZone;
    const asked = interaction.options.getString('week');
    const week = asked ? parseWeek(asked, zone) : previousWeek(ctx.deps.now(), zone);
    if (!week) {
      await interaction.reply({ content: `"${asked}" is not an ISO week like 2026-W47.`, flags: MessageFlags.Ephemeral });
      return;
    }
    // Collecting a week can take longer than Discord's 3 s: acknowledge first.
    await interaction.deferReply();
    const built = buildDigest(ctx.digest, week, zone);
    await interaction.editReply({ embeds: [renderDigestEmbed(built.data)], files: [{ attachment: built.chartPng, name: 'chart.png' }], allowedMentions: { parse: [] } });
  },
};
