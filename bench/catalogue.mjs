// Builds the benchmark's large studio catalogue from the sandbox's demo data:
//
//   checkout-sandbox --dump-data > demo.json
//   node bench/catalogue.mjs demo.json > scale.json        # then: checkout-sandbox --data scale.json
//
// Provider 100 gets MEMBERSHIPS memberships on sale and visible to customers (a third of them
// recurring with two plans each, the rest packs and prepaid plans; each permits 1-4 of 8 class types)
// and EVENTS active classes spread over the widget's 14-day schedule window, starting an hour from now
// (the events API pages 250 at a time, so 5,000 events are 20 pages; memberships 100 a page, 10 pages).
// Every item is a copy of a demo item with fields changed, so the file keeps the sandbox's shape.
// Deterministic apart from the dates (relative to now, like the demo's). Provider 200 and the users,
// venues, instructors and appointment slots of the demo are kept as they are.
import { readFileSync } from 'node:fs';

export const MEMBERSHIPS = 1000;
export const EVENTS = 5000;
const PROVIDER = 100;
const WINDOW_DAYS = 14;
// Class types: the demo's three (Yoga, HIIT, Spin) and five more. 4 is the demo's appointment type.
const NEW_TYPES = ['Pilates', 'Boxing', 'Barre', 'Stretch', 'Rowing'];

/** Deterministic PRNG (mulberry32) so every run benchmarks the same catalogue. */
function rng(seed) {
  return () => {
    seed |= 0; seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function buildCatalogue(demo, { memberships = MEMBERSHIPS, events = EVENTS, now = Date.now() } = {}) {
  const data = structuredClone(demo);
  const random = rng(20261123);
  const pick = (list) => list[Math.floor(random() * list.length)];
  const templateOf = (list, pred, what) => {
    const t = list.find(pred);
    if (!t) throw new Error(`the demo data has no ${what} to copy`);
    return t;
  };

  // Class types.
  const typeTemplate = templateOf(data.offering_types, (o) => o.provider === PROVIDER && !o.is_appointment, 'class type');
  let nextTypeId = Math.max(...data.offering_types.map((o) => o.id)) + 1;
  for (const name of NEW_TYPES) data.offering_types.push({ ...typeTemplate, id: nextTypeId++, name });
  const classTypes = data.offering_types.filter((o) => o.provider === PROVIDER && !o.is_appointment);

  // Memberships and plans (replacing provider 100's demo ones).
  const mTemplates = {};
  for (const kind of ['pack', 'recurring_plan', 'prepaid_plan']) {
    mTemplates[kind] = templateOf(data.memberships, (m) => m.provider === PROVIDER && m.type === kind, `${kind} membership`);
  }
  const planTemplate = templateOf(data.payment_plans, () => true, 'payment plan');
  const keptMemberships = data.memberships.filter((m) => m.provider !== PROVIDER);
  const keptIds = new Set(keptMemberships.map((m) => m.id));
  data.payment_plans = data.payment_plans.filter((p) => keptIds.has(p.membership));
  data.memberships = keptMemberships;
  const adjectives = ['Unlimited', 'Off-Peak', 'Weekend', 'Morning', 'Evening', 'Student', 'Family', 'Flex', 'Premium', 'Core'];
  for (let i = 0; i < memberships; i++) {
    const id = 10001 + i;
    const kind = i % 3 === 0 ? 'recurring_plan' : i % 3 === 1 ? 'pack' : 'prepaid_plan';
    const types = [...classTypes].sort(() => random() - 0.5).slice(0, 1 + Math.floor(random() * 4));
    const typeNames = types.map((t) => t.name).join(' & ');
    const price = 10 + Math.round(random() * 190);
    const base = mTemplates[kind];
    const m = {
      ...base,
      id,
      name: `${pick(adjectives)} ${typeNames} ${kind === 'pack' ? `${5 + (i % 4) * 5}-Class Pack` : kind === 'recurring_plan' ? 'Membership' : `${1 + (i % 6)}-Month Prepaid`} #${i + 1}`,
      description: `${typeNames} at Riverside. Benchmark catalogue item ${i + 1} of ${memberships}.`,
      price,
      display_price: kind === 'recurring_plan' ? price - 10 : null,
      for_sale: true,
      visible_to_customers: true,
      is_draft: false,
      offering_types: types.map((t) => t.id),
    };
    if (kind === 'prepaid_plan') Object.assign(m, { duration: 1 + (i % 6), duration_unit: 'months' });
    data.memberships.push(m);
    if (kind === 'recurring_plan') {
      data.payment_plans.push({ ...planTemplate, id: id * 10 + 1, membership: id, status: 'for_sale', price: price, committed_billing_periods: null, joining_fee: null });
      data.payment_plans.push({ ...planTemplate, id: id * 10 + 2, membership: id, status: 'for_sale', price: price - 10, committed_billing_periods: 12, joining_fee: null });
    }
  }

  // Events (replacing provider 100's demo ones): EVENTS active classes from now + 1 h to the end of
  // the window, evenly spaced; 5% of them full (listed by the API, not bookable in the widget).
  const eTemplate = templateOf(data.events, (e) => e.provider === PROVIDER, 'event');
  data.events = data.events.filter((e) => e.provider !== PROVIDER);
  const venue = data.venues.find((v) => v.provider === PROVIDER);
  const instructors = data.instructors.filter((x) => x.provider === PROVIDER).map((x) => x.id);
  const first = now + 3600e3;
  const span = WINDOW_DAYS * 86400e3 - 2 * 3600e3 - first + now;
  for (let i = 0; i < events; i++) {
    const type = classTypes[i % classTypes.length];
    const starts = Math.floor((first + (span * i) / events) / 60000) * 60000;
    const max = 10 + (i % 5) * 4;
    data.events.push({
      ...eTemplate,
      id: 100001 + i,
      name: `${type.name} ${['Flow', 'Burn', 'Ride', 'Basics', 'Express'][i % 5]}`,
      description: `${type.name} class ${i + 1}.`,
      starts_at: new Date(starts).toISOString(),
      ends_at: new Date(starts + 45 * 60000).toISOString(),
      status: 'active',
      max_occupancy: max,
      attending_count: i % 20 === 7 ? max : i % max,
      waiting_count: 0,
      venue: venue.id,
      venue_room: venue.rooms?.[i % venue.rooms.length]?.id ?? null,
      offering_type: type.id,
      instructors: [instructors[i % instructors.length]],
    });
  }
  return data;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const file = process.argv[2];
  if (!file) {
    console.error('usage: node bench/catalogue.mjs DEMO.json > SCALE.json   (DEMO.json from checkout-sandbox --dump-data)');
    process.exit(2);
  }
  process.stdout.write(JSON.stringify(buildCatalogue(JSON.parse(readFileSync(file, 'utf8')))));
}
