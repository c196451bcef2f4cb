// The benchmark's baseline: the same checkout screen written in plain JavaScript, no framework, as
// a careful developer would write it. It is the practical lower bound the widget is compared with,
// so it does the same work the widget does on load and on each choice:
//   - reads the same host attributes, removes the token from the DOM, renders into an open shadow
//     root with the widget's own stylesheet (adopted, like the embed), shows the loading skeleton;
//   - sends the same TeamUp requests with the same headers (src/backend/teamup.rs, docs/contract.md
//     §2a), following DRF `next` links one page at a time: profiles, the studio with its address
//     (`expand=address`: its time zone), memberships, events of the next 14 days with their venues
//     (`expand=venue`), one permits_registration_for_event lookup per class type among them,
//     appointment slots; the plans (`expand=joining_fee`) of the recurring memberships each page of
//     the catalogue shows, once it is painted (and again on choice if that failed);
//   - shows the same list (same markup, classes and data-testid names), then plans, the class and
//     appointment selects (only classes the chosen membership may book) and the summary;
//   - a time limit on every request (AbortController), and the `membership-checkout:ready` event.
// What it leaves out is what the happy path never runs: retries, error screens, the purchase.
// run.mjs inlines the widget's CSS (BENCH_WIDGET_CSS) and minifies this file with esbuild.

const SCHEDULE_DAYS = 14;
// As the widget: from this many classes, a day is picked first and the class list shows that day.
const DAY_PICKER_FROM = 40;
const CATALOGUE_PAGE = 20;
const TIMEOUT_MS = 15000;

class Baseline {
  constructor(host) {
    const attr = (name) => host.getAttribute(name);
    this.host = host;
    this.base = (attr('data-api-base') || '').replace(/\/+$/, '');
    this.provider = Number(attr('data-provider-id'));
    this.locale = attr('data-locale') || undefined;
    this.headers = {
      Accept: 'application/json',
      Authorization: `${attr('data-auth-prefix') || 'Bearer'} ${attr('data-token')}`,
      'Teamup-Request-Mode': attr('data-request-mode') || 'customer',
      'TeamUp-Provider-ID': String(this.provider),
    };
    host.removeAttribute('data-token');
    this.day = new Intl.DateTimeFormat(this.locale, { weekday: 'short', day: 'numeric', month: 'short' });
    this.when = new Intl.DateTimeFormat(this.locale, { weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' });
    this.selection = { membership: null, plan: null, event: null, slot: null };
    this.plansFor = null;
    this.planAnswers = new Map(); // membership id -> promise of its plans (a failure is forgotten)

    const root = host.shadowRoot || host.attachShadow({ mode: 'open' });
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(BENCH_WIDGET_CSS);
    root.adoptedStyleSheets = [sheet];
    root.replaceChildren();
    this.el = h('div', { class: 'mc', 'data-testid': 'checkout', 'data-state': 'loading', 'aria-busy': 'true' });
    this.el.append(
      h('div', { class: 'mc-loading', role: 'status' }, [
        h('span', { class: 'mc-visually-hidden' }, 'Loading memberships…'),
        h('div', { class: 'mc-skeleton', 'aria-hidden': 'true' }),
        h('div', { class: 'mc-skeleton', 'aria-hidden': 'true' }),
        h('div', { class: 'mc-skeleton', 'aria-hidden': 'true' }),
      ]),
    );
    root.append(this.el);
  }

  async get(url) {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), TIMEOUT_MS);
    try {
      const response = await fetch(url, { mode: 'cors', headers: this.headers, signal: controller.signal });
      const body = await response.text();
      if (!response.ok) throw new Error(`${response.status} ${url}`);
      return JSON.parse(body);
    } finally {
      clearTimeout(timer);
    }
  }

  async all(url) {
    const items = [];
    while (url) {
      const page = await this.get(url);
      items.push(...page.results);
      url = page.next;
    }
    return items;
  }

  start() {
    const now = Date.now();
    const from = encodeURIComponent(new Date(now).toISOString());
    const to = encodeURIComponent(new Date(now + SCHEDULE_DAYS * 864e5).toISOString());
    const api = this.base;
    this.membershipsUrl = `${api}/memberships?for_sale=true&visible_to_customers=true&page_size=100`;
    const customer = this.all(`${api}/auth/profiles?page_size=100`).then((profiles) => {
      const p = profiles.find((p) => p.profile_type === 'customer' && (p.provider?.id ?? p.provider) === this.provider);
      if (!p) throw new Error('no customer profile');
      return p.id;
    });
    const memberships = this.all(this.membershipsUrl).then((list) =>
      list.filter((m) => m.for_sale && m.visible_to_customers),
    );
    // As the widget: class and appointment times in the studio's zone (address.timezone), named
    // when it is not the visitor's; the visitor's own, said so, when the studio's is missing or
    // unknown to the browser (or the studio could not be read).
    this.zone = this.get(`${api}/providers/${this.provider}?expand=address`)
      .then((p) => (typeof p.address?.timezone === 'string' ? p.address.timezone.trim() : ''), () => '')
      .then((studio) => {
        const local = new Intl.DateTimeFormat().resolvedOptions().timeZone;
        if (studio && studio === local) return null;
        try {
          if (!studio) throw new RangeError('no zone');
          this.day = new Intl.DateTimeFormat(this.locale, { weekday: 'short', day: 'numeric', month: 'short', timeZone: studio });
          this.when = new Intl.DateTimeFormat(this.locale, { weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit', timeZone: studio, timeZoneName: 'short' });
          return { kind: 'studio', text: `Times are in the studio's time zone (${studio.replace(/_/g, ' ')}).` };
        } catch {
          return { kind: 'fallback', text: `We couldn't get the studio's time zone, so times are shown in yours (${(local || '').replace(/_/g, ' ')}).` };
        }
      });
    this.schedule = this.all(`${api}/events?starts_at_gte=${from}&starts_at_lte=${to}&status=active&sort=start&expand=venue&page_size=250`).then(
      async (events) => {
        events = events.filter((e) => (e.status || 'active') === 'active' && !full(e) && Date.parse(e.starts_at) > now);
        const groups = new Map(); // class type (or the event itself) -> first event
        for (const e of events) {
          const g = group(e);
          if (!groups.has(g)) groups.set(g, e.id);
        }
        const permitted = new Map();
        await Promise.all(
          [...groups].map(async ([g, id]) => {
            const list = await this.all(
              `${api}/memberships?for_sale=true&visible_to_customers=true&permits_registration_for_event=${id}&fields=id&page_size=100`,
            );
            permitted.set(g, new Set(list.map((m) => m.id)));
          }),
        );
        return { events, permitted };
      },
    );
    this.slots = this.all(`${api}/slots?starts_at_gte=${from}&starts_at_lte=${to}&page_size=100`).then((list) =>
      list.filter((s) => s.available && s.id && Date.parse(s.starts_at) > now),
    );
    Promise.all([customer, memberships]).then(([, list]) => this.showForm(list));
  }

  showForm(memberships) {
    this.memberships = new Map(memberships.map((m) => [m.id, m]));
    const options = h('div', { class: 'mc-options' });
    const card = (m) => {
      const duration = m.duration > 0 && m.duration_unit ? plural(m.duration, m.duration_unit.replace(/s$/, '')) : null;
      const kind = KINDS[m.type] || 'Membership';
      const body = h('span', { class: 'mc-option__body' }, [
        h('span', { class: 'mc-option__name' }, m.name),
        h('span', { class: 'mc-option__price' }, priceLabel(m, this.locale)),
        h('span', { class: 'mc-option__meta' }, duration ? `${kind} · ${duration}` : kind),
      ]);
      if (m.description && m.description.trim()) body.append(h('span', { class: 'mc-option__description' }, m.description));
      const input = h('input', { type: 'radio', name: 'membership', value: String(m.id) });
      return h('label', { class: 'mc-option', 'data-testid': `membership-${m.id}` }, [input, body]);
    };
    // As the widget: a page of cards at a time, "Show more" adds the next page.
    let shown = Math.min(CATALOGUE_PAGE, memberships.length);
    options.append(...memberships.slice(0, shown).map(card));
    this.prefetchPlans(memberships.slice(0, shown));
    const count = new Intl.NumberFormat(this.locale);
    const more = [];
    if (shown < memberships.length) {
      const note = h('p', { class: 'mc-hint', 'data-testid': 'shown-count', 'aria-live': 'polite' });
      const button = h('button', { type: 'button', class: 'mc-button mc-button--secondary', 'data-testid': 'show-more' }, 'Show more memberships');
      const say = () => (note.textContent = `Showing ${count.format(shown)} of ${count.format(memberships.length)}.`);
      say();
      const box = h('div', { class: 'mc-more' }, [button, note]);
      button.addEventListener('click', () => {
        const page = memberships.slice(shown, shown + CATALOGUE_PAGE);
        const next = page.map(card);
        options.append(...next);
        this.prefetchPlans(page);
        shown += next.length;
        next[0]?.querySelector('input').focus();
        if (shown >= memberships.length) box.remove();
        else say();
      });
      more.push(box);
    }
    options.addEventListener('change', (e) => this.chooseMembership(Number(e.target.value)));
    this.options = options;
    this.plansEl = h('div');
    this.bookingEl = h('div');
    this.summaryEl = h('div');
    const form = h('form', { class: 'mc-form', novalidate: '' }, [
      h('fieldset', { class: 'mc-section', 'data-testid': 'memberships' }, [h('legend', { class: 'mc-section__title' }, 'Choose a membership'), options, ...more]),
      this.plansEl,
      this.bookingEl,
      h('section', { class: 'mc-summary', 'data-testid': 'summary' }, [
        h('h3', { class: 'mc-section__title' }, 'Summary'),
        this.summaryEl,
        h('p', { class: 'mc-hint mc-coupon-note', 'data-testid': 'coupon-note' }, "Have a discount code? You can enter it on TeamUp's secure payment page, the next step."),
      ]),
      h('button', { type: 'submit', class: 'mc-button mc-button--primary', 'data-testid': 'continue', 'aria-busy': 'false' }, 'Continue to payment'),
    ]);
    form.addEventListener('submit', (e) => e.preventDefault());
    this.el.replaceChildren(form);
    this.el.setAttribute('data-state', 'browsing');
    this.el.setAttribute('aria-busy', 'false');
    this.renderSummary();
    this.host.dispatchEvent(new CustomEvent('membership-checkout:ready', { bubbles: true, detail: { backend: 'teamup' } }));
  }

  plansOf(m) {
    let answer = this.planAnswers.get(m.id);
    if (!answer) {
      // As the widget: the membership's `plans` link (read against the catalogue's address), else
      // the list filter; with the joining fee, a deferred field.
      let url = `${this.base}/membership_payment_plans?membership=${m.id}&expand=joining_fee&page_size=100`;
      if (m.plans) {
        const link = new URL(m.plans, this.membershipsUrl);
        link.search += `${link.search ? '&' : '?'}expand=joining_fee&page_size=100`;
        url = link.href;
      }
      answer = this.all(url);
      answer.catch(() => this.planAnswers.delete(m.id));
      this.planAnswers.set(m.id, answer);
    }
    return answer;
  }

  // As the widget: once a page of cards is painted, its recurring memberships' plans are asked for.
  prefetchPlans(page) {
    const recurring = page.filter((m) => m.type === 'recurring_plan');
    if (recurring.length) requestAnimationFrame(() => setTimeout(() => recurring.forEach((m) => this.plansOf(m).catch(() => {}))));
  }

  chooseMembership(id) {
    const m = this.memberships.get(id);
    for (const label of this.options.children) label.classList.toggle('mc-option--chosen', label.firstChild.checked);
    this.selection = { membership: id, plan: null, event: null, slot: null };
    this.renderPlans(m);
    this.renderBooking(m);
    this.renderSummary();
  }

  renderPlans(m) {
    if (m.type !== 'recurring_plan') {
      this.plansEl.replaceChildren();
      return;
    }
    const options = h('div', { class: 'mc-options' }, h('p', { class: 'mc-hint', role: 'status' }, 'Loading payment plans…'));
    this.plansEl.replaceChildren(
      h('fieldset', { class: 'mc-section', 'data-testid': 'plans' }, [h('legend', { class: 'mc-section__title' }, `Choose how to pay for ${m.name}`), options]),
    );
    this.plansOf(m).then((plans) => {
      if (this.selection.membership !== m.id) return;
      plans = plans.filter((p) => p.status === 'for_sale');
      this.plans = new Map(plans.map((p) => [p.id, p]));
      if (!plans.length) {
        options.replaceChildren(h('p', { class: 'mc-hint', 'data-testid': 'plans-empty' }, 'No payment plan for this membership is on sale right now. Please choose another membership.'));
        return;
      }
      options.replaceChildren(
        ...plans.map((p) => {
          // As the widget: "£25.00 joining fee · £104.00 due today" when the plan has a joining fee.
          const fee = joiningFee(p);
          const due = dueToday(p);
          const details = [commitmentLabel(p), fee && `${money(fee, this.locale)} joining fee`, due && `${money(due, this.locale)} due today`].filter(Boolean);
          const body = h('span', { class: 'mc-option__body' }, h('span', { class: 'mc-option__name' }, planPrice(p, this.locale)));
          if (details.length) body.append(h('span', { class: 'mc-option__meta' }, details.join(' · ')));
          return h('label', { class: 'mc-option mc-option--compact' }, [h('input', { type: 'radio', name: 'plan', value: String(p.id) }), body]);
        }),
      );
      options.onchange = (e) => {
        this.selection.plan = Number(e.target.value);
        for (const label of options.children) label.classList.toggle('mc-option--chosen', label.firstChild.checked);
        this.renderSummary();
      };
      if (plans.length === 1) {
        options.querySelector('input').checked = true;
        this.selection.plan = plans[0].id;
        this.renderSummary();
      }
    });
  }

  renderBooking(m) {
    const events = h('p', { class: 'mc-hint', role: 'status' }, 'Loading classes…');
    const hint = h('p', { class: 'mc-hint' }, 'Reserve a class or an appointment in the same step. Choose one or neither.');
    const slots = h('p', { class: 'mc-hint', role: 'status' }, 'Loading appointments…');
    this.bookingEl.replaceChildren(
      h('fieldset', { class: 'mc-section', 'data-testid': 'booking' }, [
        h('legend', { class: 'mc-section__title' }, 'Book your first visit (optional)'),
        hint,
        h('div', { class: 'mc-field' }, [h('label', { class: 'mc-label', for: 'b-event' }, 'Class'), events]),
        h('div', { class: 'mc-field' }, [h('label', { class: 'mc-label', for: 'b-slot' }, 'Appointment'), slots]),
      ]),
    );
    this.zone.then((note) => {
      if (note && this.selection.membership === m.id) hint.after(h('p', { class: 'mc-hint', 'data-testid': 'time-zone-note', 'data-zone': note.kind }, note.text));
    });
    Promise.all([this.schedule, this.zone]).then(([{ events: all, permitted }]) => {
      if (this.selection.membership !== m.id) return;
      const list = all.filter((e) => permitted.get(group(e))?.has(m.id));
      if (!list.length) {
        events.replaceWith(h('p', { class: 'mc-hint', 'data-testid': 'no-events' }, 'No classes in the next two weeks can be booked with this membership.'));
        return;
      }
      this.eventLabels = new Map();
      const classSelect = (list) => {
        const select = h('select', { id: 'b-event', class: 'mc-select', 'data-testid': 'event-select', 'aria-invalid': 'false' });
        select.append(new Option('No class', ''));
        for (const e of list) {
          const label = this.eventLabel(e);
          this.eventLabels.set(e.id, label);
          select.append(new Option(label, String(e.id)));
        }
        select.addEventListener('change', () => {
          this.selection.event = select.value ? Number(select.value) : null;
          this.selection.slot = null;
          if (this.slotSelect) this.slotSelect.value = '';
          this.renderSummary();
        });
        return select;
      };
      if (list.length < DAY_PICKER_FROM) {
        events.replaceWith(classSelect(list));
        return;
      }
      const days = new Map();
      for (const e of list) {
        const day = this.day.format(new Date(e.starts_at));
        if (!days.has(day)) days.set(day, []);
        days.get(day).push(e);
      }
      const names = [...days.keys()];
      const daySelect = h('select', { id: 'b-day', class: 'mc-select', 'data-testid': 'day-select' });
      names.forEach((name, i) => daySelect.append(new Option(name, String(i))));
      let current = classSelect(days.get(names[0]));
      daySelect.addEventListener('change', () => {
        this.selection.event = null;
        const next = classSelect(days.get(names[Number(daySelect.value)]));
        current.replaceWith(next);
        current = next;
        this.renderSummary();
      });
      const field = events.parentNode;
      field.before(h('div', { class: 'mc-field' }, [h('label', { class: 'mc-label', for: 'b-day' }, 'Day'), daySelect]));
      events.replaceWith(current);
    });
    Promise.all([this.slots, this.zone]).then(([list]) => {
      if (this.selection.membership !== m.id) return;
      if (!list.length) {
        slots.replaceWith(h('p', { class: 'mc-hint' }, 'No appointments are free in the next two weeks.'));
        return;
      }
      this.slotLabels = new Map();
      const select = h('select', { id: 'b-slot', class: 'mc-select', 'data-testid': 'slot-select', 'aria-invalid': 'false' });
      select.append(new Option('No appointment', ''));
      for (const s of list) {
        let label = this.when.format(new Date(s.starts_at));
        if (s.offering_type?.name) label += ` · ${s.offering_type.name}`;
        if (s.instructor?.name) label += ` with ${s.instructor.name}`;
        this.slotLabels.set(s.id, label);
        select.append(new Option(label, s.id));
      }
      select.addEventListener('change', () => {
        this.selection.slot = select.value || null;
        this.selection.event = null;
        const events = this.bookingEl.querySelector('[data-testid=event-select]');
        if (events) events.value = '';
        this.renderSummary();
      });
      this.slotSelect = select;
      slots.replaceWith(select);
    });
  }

  eventLabel(e) {
    let label = `${this.when.format(new Date(e.starts_at))} · ${e.name}`;
    if (e.venue?.name) label += ` · ${e.venue.name}`;
    if (e.max_occupancy > 0 && e.attending_count != null) {
      const left = Math.max(0, e.max_occupancy - e.attending_count);
      label += left === 1 ? ' (1 place left)' : ` (${left} places left)`;
    }
    return label;
  }

  renderSummary() {
    const s = this.selection;
    const m = s.membership != null ? this.memberships.get(s.membership) : null;
    if (!m) {
      this.summaryEl.replaceChildren(h('p', { class: 'mc-hint' }, 'Choose a membership to see your summary.'));
      return;
    }
    const rows = [row('Membership', `${m.name} · ${priceLabel(m, this.locale)}`)];
    const plan = s.plan != null ? this.plans?.get(s.plan) : null;
    if (plan) {
      rows.push(row('Payment plan', [planPrice(plan, this.locale), commitmentLabel(plan)].filter(Boolean).join(' · ')));
      const fee = joiningFee(plan);
      const due = dueToday(plan);
      if (fee) rows.push(row('Joining fee', money(fee, this.locale), 'summary-joining-fee'));
      if (due) rows.push(row('To pay today', money(due, this.locale), 'summary-due-today'));
    }
    if (s.event != null) rows.push(row('Booking', `Class: ${this.eventLabels?.get(s.event) ?? `#${s.event}`}`));
    if (s.slot != null) rows.push(row('Booking', `Appointment: ${this.slotLabels?.get(s.slot) ?? s.slot}`));
    this.summaryEl.replaceChildren(h('dl', { class: 'mc-summary__list' }, rows));
  }
}

const KINDS = { pack: 'Class pack', recurring_plan: 'Recurring membership', prepaid_plan: 'Prepaid membership' };

function h(tag, attrs, children) {
  const el = document.createElement(tag);
  for (const k in attrs) el.setAttribute(k, attrs[k]);
  if (children != null) el.append(...(Array.isArray(children) ? children : [children]));
  return el;
}
const row = (term, text, testid) => h('div', null, [h('dt', null, term), h('dd', testid && { 'data-testid': testid }, text)]);
const plural = (n, unit) => (n === 1 ? `1 ${unit}` : `${n} ${unit}s`);
const full = (e) => e.max_occupancy > 0 && e.attending_count >= e.max_occupancy;
// A related object is an id unless expanded (events expand only the venue), or an object.
const relatedId = (r) => (typeof r === 'number' ? r : r?.id);
const group = (e) => (relatedId(e.offering_type) != null ? `t${relatedId(e.offering_type)}` : `e${e.id}`);
// As the widget (src/model.rs): an amount in its currency through Intl in the customer's locale,
// else the vendor's ready-made label, else the bare amount.
const currencies = new Map(); // locale|currency -> Intl.NumberFormat
function money(m, locale) {
  if (!m) return '';
  const amount = m.decimal == null ? NaN : Number(m.decimal);
  if (Number.isFinite(amount) && m.iso_currency_code) {
    const key = `${locale}|${m.iso_currency_code}`;
    try {
      if (!currencies.has(key)) currencies.set(key, new Intl.NumberFormat(locale, { style: 'currency', currency: m.iso_currency_code }));
      return currencies.get(key).format(amount);
    } catch {
      // an unknown currency: the vendor's label
    }
  }
  if (m.string && m.string.trim()) return m.string;
  if (!Number.isFinite(amount)) return '';
  return m.iso_currency_code ? `${amount.toFixed(2)} ${m.iso_currency_code.toUpperCase()}` : amount.toFixed(2);
}
function priceLabel(m, locale) {
  const label = money(m.display_price || m.price, locale);
  return m.type === 'recurring_plan' && label ? `from ${label}` : label;
}
const unitOf = (unit) => ['day', 'week', 'month', 'quarter', 'year'].find((u) => u === String(unit || '').trim().toLowerCase().replace(/s+$/, ''));
// "£26.00 every 2 weeks" from the figures; TeamUp's own price_with_period when they are missing.
function planPrice(p, locale) {
  const price = money(p.price, locale);
  const unit = unitOf(p.billing_period_unit);
  const n = Math.max(1, p.billing_period_length || 1);
  if (unit && price) return `${price} ${n === 1 ? `every ${unit}` : `every ${n} ${unit}s`}`;
  return p.price_with_period && p.price_with_period.trim() ? p.price_with_period : price;
}
// "6-week commitment": the committed periods in the plan's unit; else TeamUp's duration_description.
function commitmentLabel(p) {
  const unit = unitOf(p.billing_period_unit);
  if (p.committed_billing_periods > 0 && unit && unit !== 'quarter') return `${p.committed_billing_periods * Math.max(1, p.billing_period_length || 1)}-${unit} commitment`;
  return p.duration_description && p.duration_description.trim() ? p.duration_description : null;
}
// The joining fee's amount (deferred: an object only with expand=joining_fee), unless zero.
function joiningFee(p) {
  const fee = p.joining_fee;
  if (!fee || typeof fee !== 'object' || !fee.amount || Number(fee.amount.decimal) === 0) return null;
  return fee.amount;
}
// The first payment: the first period and the joining fee, added in cents; null without a fee or
// when the two can't be added (an amount missing, or two currencies).
function dueToday(p) {
  const fee = joiningFee(p);
  const price = p.price;
  const code = price?.iso_currency_code;
  if (!fee || !code || String(fee.iso_currency_code || '').toLowerCase() !== code.toLowerCase()) return null;
  if (price.decimal == null || fee.decimal == null) return null;
  const cents = Math.round(Number(price.decimal) * 100) + Math.round(Number(fee.decimal) * 100);
  return Number.isFinite(cents) ? { decimal: cents / 100, iso_currency_code: code } : null;
}

for (const host of document.querySelectorAll('[data-bench-baseline]')) new Baseline(host).start();
