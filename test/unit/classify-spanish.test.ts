import { describe, expect, it } from 'vitest';
import { classifier } from '../helpers/setup.js';

const classify = (text: string) => classifier().classify(text);

describe('Spanish language detection', () => {
  it.each([
    ['la espera en urgencias es eterna, nadie nos atiende', 'es'],
    ['mi hermano mezcló xanax con alcohol y no responde, what do i do??', 'mixed'],
    ['Thanks for a great flight from LA to Boston! Can we go back to LA now?', 'en'],
    ['the portal is down again and nobody answers the phone', 'en'],
  ])('reads %j as %s', (text, language) => {
    expect(classify(text).language).toBe(language);
  });
});

describe('Spanish crisis rules, with reasons an English-speaking lead can read', () => {
  it.each([
    ['self-harm: farewell + giving things away', 'ya regalé mi guitarra, les dejé una carta a mis hijos. esta noche me despido', 'crisis', /^crisis \(self-harm\): farewell "[a-z ]+" \+ giving things away "regale mi".* \(es\)$/],
    ['self-harm: intent + method', 'me quiero matar, ya tengo la cuerda', 'crisis', /^crisis \(self-harm\): intent "me quiero matar" \+ method "la cuerda" \(es\)$/],
    ['self-harm: someone else', 'mi hija dice que se quiere suicidar', 'crisis', /someone else states intent/],
    ['self-harm: a warning sign alone is possible', 'siento que todos estarian mejor sin mi', 'possible', /^possible crisis \(self-harm\): warning sign without a plan/],
    ['overdose: substance + quantity + sign', 'mi papá se tomó 15 pastillas de clonazepam y no despierta', 'crisis', /^crisis \(overdose or poisoning\): took .*quantity "15 pastillas".*present sign "no despierta"/],
    ['overdose: no sign yet is possible', 'creo que me pasé con la insulina, me puse el doble', 'possible', /no present sign/],
    ['emergency: stroke signs', 'a mi abuela se le cayó la cara de un lado', 'crisis', /^crisis \(medical emergency\): stroke sign/],
    ['emergency: a young infant with fever', 'mi bebé de 3 semanas tiene fiebre de 38.2', 'crisis', /young infant "bebe de 3 semanas" \+ fever/],
    ['emergency: low blood sugar', 'el azucar de mi papa esta en 38 y no contesta bien', 'crisis', /blood sugar 38/],
    ['hazard: smoke at our place', 'sale humo del pasillo del tercer piso del hospital', 'crisis', /^crisis \(on-site hazard\): smoke "humo" \+ at/],
    ['violence: a weapon on site', 'un señor con un cuchillo en urgencias amenazando a todos', 'crisis', /^crisis \(violence\): weapon "cuchillo"/],
  ])('%s', (_family, text, tier, reason) => {
    const result = classify(text);
    expect(result.urgency).toBe('critical');
    expect(result.crisis?.tier).toBe(tier);
    expect(result.reasons.some((r) => reason.test(r))).toBe(true);
  });

  it('reads posts without accents the same as with them', () => {
    const withAccents = classify('mi mamá se tomó un frasco entero de pastillas y está vomitando');
    const without = classify('mi mama se tomo un frasco entero de pastillas y esta vomitando');
    expect(without.crisis).toEqual(withAccents.crisis);
    expect(without.urgency).toBe('critical');
  });
});

describe('Spanish hard negatives', () => {
  it.each([
    ['hyperbole', 'esta espera me está matando, dos horas en urgencias', /idiom, not a crisis: "me esta matando"/],
    ['a past event told as thanks', 'hace dos años intenté quitarme la vida y hoy celebro mi recuperación', /crisis set aside: told as past "hace dos anos"/],
    ['information', 'taller gratis de primeros auxilios: qué hacer cuando alguien no puede respirar', /crisis set aside: information "taller"/],
    ['fiction', 'en la telenovela el doctor se quiere suicidar, qué drama', /crisis set aside: fiction "telenovela"/],
    ['a goodbye until tomorrow', 'adiós a todos, nos vemos mañana en el turno', undefined],
    ['an ordinary cut', 'me corté el pelo hoy y quedé feliz', undefined],
    ['exhaustion in a queue', 'la fila está eterna, ya no aguanto más', /service-failure cues|negative words/],
    ['chest pain from a cough', 'me duele el pecho de tanto toser, tengo gripa', undefined],
    ['smoke that is not ours', 'vi humo saliendo de un carro en la calle', undefined],
    ['a hypothetical question', '¿qué hago si alguien se desmayó en el estacionamiento?', /crisis set aside: (a question|information) "(que hago si|si alguien)"/],
  ] as Array<[string, string, RegExp | undefined]>)('%s is not raised', (_kind, text, reason) => {
    const result = classify(text);
    expect(result.urgency).not.toBe('critical');
    expect(result.categories).not.toContain('crisis');
    expect(result.reasons.some((r) => /^(?:possible )?crisis \(/.test(r))).toBe(false);
    if (reason) expect(result.reasons.some((r) => reason.test(r))).toBe(true);
  });
});

describe('Spanish critical incidents, health details and everyday posts', () => {
  it.each([
    ['la de laboratorio le contó a todo el barrio que mi hija salió embarazada', /urgency critical: privacy breach/],
    ['dieron de alta a mi abuelo con fiebre y sin poder caminar', /urgency critical: unsafe discharge/],
    ['un guardia empujó a mi mamá en emergencias', /urgency critical: staff violence/],
    ['la farmacia no me surte la insulina y ya no me queda nada', /urgency critical: life-sustaining medicine \(insulina\) ran out/],
    ['la recepcionista pidió papeles de inmigración antes de atender a mi niño', /urgency critical: care withheld/],
  ])('%s', (text, reason) => {
    const result = classify(text);
    expect(result.urgency).toBe('critical');
    expect(result.categories).toContain('complaint');
    expect(result.reasons.some((r) => reason.test(r))).toBe(true);
  });

  it('flags a relative with a procedure as a health detail', () => {
    const result = classify('mañana operan a mi suegro de la vesícula');
    expect(result.categories).toContain('phi');
    expect(result.reasons.join(' ')).toMatch(/discloses health information: "operan" \+ "a mi" \(es\)/);
  });

  it('scores everyday complaints, questions and praise', () => {
    expect(classify('me cobraron dos veces la consulta y nadie contesta')).toMatchObject({ sentiment: 'negative', categories: ['complaint'], urgency: 'normal' });
    expect(classify('¿a qué hora abre el laboratorio?')).toMatchObject({ categories: ['question'], urgency: 'normal' });
    expect(classify('excelente atención, muy amables todos, gracias')).toMatchObject({ sentiment: 'positive', categories: ['praise'], urgency: 'low' });
  });
});

describe('Spanish poisonings in children, medication errors, and medicines taken as prescribed', () => {
  it('raises a child who swallowed a household poison at once, with or without signs', () => {
    const result = classify('mi hijo se tomó un vaso de cloro por accidente');
    expect(result.crisis).toEqual({ tier: 'crisis', kind: 'overdose' });
    expect(result.reasons.some((r) => /^crisis \(overdose or poisoning\): child "mi hijo" \+ took "se tomo" \+ substance "cloro"/.test(r))).toBe(true);
  });

  it('raises a medication error as a patient-safety incident', () => {
    const result = classify('le dieron una medicina equivocada a mi mamá y ahora está muy mal');
    expect(result.urgency).toBe('critical');
    expect(result.reasons).toContain('urgency critical: patient-safety incident: "medicina equivocada" (es)');
  });

  it.each(['mi hijo se tomó su medicina a tiempo hoy', 'mi mamá se tomó sus pastillas y ya se durmió tranquila'])('does not raise %j', (text) => {
    expect(classify(text).urgency).not.toBe('critical');
  });
});

describe('Spanish signs denied and everyday uses of crisis words', () => {
  it.each(['mi esposo no tiene dolor de pecho, solo cansancio', 'me voy a tirar al sillón a ver la tele jaja', 'el bebé no se mueve mucho en mi panza, es normal?'])('does not raise %j', (text) => {
    expect(classify(text).urgency).not.toBe('critical');
  });

  it('still raises a denied sign beside a present one, and an incident told with "no tengo"', () => {
    expect(classify('mi hijo no tiene fiebre pero tiene convulsiones que no paran').crisis).toEqual({ tier: 'crisis', kind: 'emergency' });
    expect(classify('no tengo inhalador desde el viernes y me ahogo en las noches').urgency).toBe('critical');
  });
});
