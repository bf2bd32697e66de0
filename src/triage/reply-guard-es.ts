import { detectLanguage } from '../classify/detect-language.js';
import { compileGroup, foldSpanish } from '../classify/es/spanish-cues.js';
import { normalizeText } from '../classify/normalize.js';
import { tokenize } from '../classify/score-sentiment.js';
import type { SpanishLexicon } from '../classify/es/spanish-lexicon.js';

/**
 * The reply guard's Spanish half: the same three checks as in English, on Spanish text (accents
 * optional). Phrases that tell the public the author is or was a patient ("su cita", "durante su
 * estancia", "sentimos mucho su espera"); care details (departments, procedures, conditions,
 * medicines from the Spanish lexicon) the mention shared; and when a visit happened ("anoche",
 * "el lunes pasado", "el 3 de marzo").
 */
const CONFIRMS_PATIENT_ES = new RegExp(
  [
    String.raw` su (?:reciente |ultima |proxima )?(?:visita|estancia|estadia|cita|citas|consulta|procedimiento|cirugia|operacion|tratamiento|atencion|diagnostico|resultados?|analisis|estudios?|examen(?:es)?|laboratorios?|radiografia|resonancia|expediente|historial|historia clinica|medic[oa]|doctora?|enfermer[oa]s?|receta|recetas|medicamentos?|medicinas?|factura|facturas|cuenta con nosotros|ingreso|alta|hospitalizacion|internacion|parto|embarazo|terapia|sesion(?:es)?|seguimiento|recuperacion|condicion|salud|espera|experiencia (?:con nosotros|en))\b`,
    String.raw` (?:como|usted es|usted fue|usted era|es|fue) (?:nuestr[oa]|un[a]?) paciente`,
    String.raw` (?:nuestr[oa]s?|estimad[oa]s?) pacientes? `,
    String.raw` cuando (?:usted )?(?:estuvo|vino|fue atendid[oa]|fue ingresad[oa]|lo atendimos|la atendimos)`,
    String.raw` mientras (?:usted )?(?:estuvo|estaba) (?:aqui|con nosotros|internad[oa]|ingresad[oa])`,
    String.raw` durante su `,
    String.raw` (?:lo|la|le) (?:atendimos|tratamos|vimos|internamos|ingresamos|dimos de alta|operamos|revisamos)\b`,
    String.raw` (?:revisamos|consultamos|vimos) su (?:expediente|historial|cuenta|archivo)`,
  ].join('|'),
);

/** When something happened: a reply that dates a visit places the author at it. */
const VISIT_DATE_ES =
  / (?:anoche|ayer|antier|anteayer|esta manana|esta tarde|hoy temprano|d?el (?:lunes|martes|miercoles|jueves|viernes|sabado|domingo)(?: pasado)?|la semana pasada|el fin de semana|\d{1,2} de (?:enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|setiembre|octubre|noviembre|diciembre)) /;

export interface SpanishReplyGuard {
  /** Problems with a Spanish reply, worded as the English guard words them, each ending in "(es)"; none for other replies. */
  problems(reply: string, mentionText: string): string[];
}

export function createSpanishReplyGuard(lexicon: Pick<SpanishLexicon, 'health'>): SpanishReplyGuard {
  const care = compileGroup([...lexicon.health.careSettings, ...lexicon.health.procedures, ...lexicon.health.conditions, ...lexicon.health.medicines]);
  const found = (pattern: RegExp, text: string) => {
    pattern.lastIndex = 0;
    return [...text.matchAll(pattern)].map((m) => m[0].trim());
  };
  return {
    problems(reply, mentionText) {
      // English replies are the English guard's alone ("rehab" is a care word in both languages).
      const normalized = normalizeText(reply);
      const language = detectLanguage(tokenize(normalized), normalized);
      if (language !== 'es' && language !== 'mixed') return [];
      const text = foldSpanish(reply);
      const problems: string[] = [];
      const confirms = CONFIRMS_PATIENT_ES.exec(text);
      if (confirms) problems.push(`confirms the author is a patient: "${confirms[0].trim()}" (es)`);
      // A care detail in a public reply: whether the mention said it first or not, it ties the author to it.
      const details = [...new Set(found(care, text))];
      if (details.length > 0) {
        const echoed = new Set(found(care, foldSpanish(mentionText)));
        const said = details.map((d) => `"${d}"`).join(', ');
        problems.push(details.some((d) => echoed.has(d)) ? `repeats health details from the mention: ${said} (es)` : `names care details: ${said} (es)`);
      }
      const date = VISIT_DATE_ES.exec(text);
      if (date) problems.push(`dates a visit: "${date[0].trim()}" (es)`);
      return problems;
    },
  };
}
