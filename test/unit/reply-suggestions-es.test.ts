import { describe, expect, it } from 'vitest';
import { createReplyGuard, weightedLength, X_MAX_WEIGHTED_LENGTH } from '../../src/triage/reply-guard.js';
import { suggestReplies } from '../../src/triage/suggest-replies.js';
import { classifier, lexicon, templates } from '../helpers/setup.js';

const guard = createReplyGuard(lexicon);

function suggest(text: string, handle = 'pat_q') {
  return suggestReplies(classifier().classify(text), { text, authorHandle: handle }, templates, guard);
}

describe('replies in the patient\'s language', () => {
  it('puts the Spanish crisis runbook first for a Spanish crisis: 911, and 988 with its Spanish option', () => {
    const [first] = suggest('ya no quiero vivir, esta noche me voy a matar');
    expect(first?.template).toBe('crisis-support-es');
    expect(first?.text).toContain('911');
    expect(first?.text).toContain('(988, oprima 2)');
    expect(first?.text).toContain('Línea 988 de Prevención del Suicidio y Crisis');
    expect(first?.text).toContain('envíe AYUDA por texto al 988');
  });

  it('gives a possible crisis in Spanish the Spanish check-now reply and no 988 template', () => {
    const replies = suggest('ya no quiero estar aqui, todo seria mas facil sin mi');
    expect(replies[0]?.template).toBe('crisis-check-es');
    expect(replies.some((r) => r.template.startsWith('crisis-support'))).toBe(false);
  });

  it('offers Spanish templates for every English role, filled in, within 280 characters and past the guard', () => {
    const texts = [
      'llevo 3 horas en urgencias y nadie me atiende, pésimo servicio',
      '¿a qué hora abre la farmacia?',
      '5 estrellas, excelente atención',
      'gracias a las enfermeras, son unos ángeles',
      'mañana operan a mi suegro de la vesícula',
      'mi hermano mezcló xanax con alcohol y no responde, what do i do??',
      'hola buenos días',
    ];
    const seen = new Set<string>();
    for (const text of texts) {
      for (const reply of suggest(text, 'a_very_long_handle')) {
        seen.add(reply.template);
        expect(reply.template).toMatch(/-es$/);
        expect(reply.text).not.toMatch(/\{\w+\}/);
        expect(weightedLength(reply.text)).toBeLessThanOrEqual(X_MAX_WEIGHTED_LENGTH);
        expect(reply.guard, `${reply.template}: ${reply.text}`).toEqual({ ok: true, problems: [] });
      }
    }
    const english = templates.templates.filter((t) => t.translates === undefined && t.id !== 'crisis-check').map((t) => `${t.id}-es`);
    expect([...seen].sort()).toEqual(expect.arrayContaining(english.filter((id) => id !== 'crisis-support-es')));
    expect(templates.templates.filter((t) => t.translates === undefined).every((t) => templates.templates.some((o) => o.translates === t.id))).toBe(true);
  });

  it('keeps English mentions on the English templates', () => {
    expect(suggest('@brand waited 3 hours and nobody called me back').every((r) => !r.template.endsWith('-es'))).toBe(true);
  });
});

describe('the reply guard on Spanish replies', () => {
  const mention = 'estuve 5 horas en urgencias anoche con mi mamá y nadie nos atendió';
  it.each([
    ['sentimos mucho su espera en urgencias anoche', [/confirms the author is a patient: "su espera" \(es\)/, /repeats health details from the mention: "urgencias" \(es\)/, /dates a visit: "anoche" \(es\)/]],
    ['Lamentamos lo de su cita del lunes pasado', [/confirms the author is a patient: "su cita"/, /dates a visit: "el lunes pasado"|dates a visit/]],
    ['Como nuestra paciente, queremos ayudarla', [/confirms the author is a patient: "como nuestra paciente"/]],
    ['Revisamos su expediente y la quimioterapia sigue en pie', [/confirms the author is a patient/, /names care details: "quimioterapia"/]],
    ['Durante su estancia lo atendimos lo mejor posible', [/confirms the author is a patient: "durante su"/]],
  ])('refuses %j', (reply, problems) => {
    const verdict = guard.check(reply, mention);
    expect(verdict.ok).toBe(false);
    for (const problem of problems) expect(verdict.problems.some((p) => problem.test(p)), verdict.problems.join(' | ')).toBe(true);
  });

  it.each([
    'Lamentamos mucho lo ocurrido y queremos resolverlo. Por favor, envíenos un mensaje directo.',
    'Gracias por escribirnos. Para proteger su privacidad, no comparta datos de salud aquí.',
    'sentimos mucho la espera, por favor llámenos al (555) 010-0100',
  ])('lets %j through', (reply) => {
    expect(guard.check(reply, mention)).toEqual({ ok: true, problems: [] });
  });

  it('reads replies without accents the same', () => {
    expect(guard.check('durante su estadia en la uci', mention).ok).toBe(false);
  });
});
