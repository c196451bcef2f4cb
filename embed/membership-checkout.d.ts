// Type declarations for the membership-checkout embed (shipped beside the loader as
// membership-checkout-<version>.d.ts). Copy it into your project, or reference it with
// `/// <reference path="./membership-checkout-<version>.d.ts" />`.

/**
 * Settings a widget takes, through `MembershipCheckout.mount/update` or as attributes: each key
 * is also an attribute in kebab case (`apiBase` → `api-base` on `<membership-checkout>`,
 * `data-api-base` on the data-attribute form). Settings given through the API win over
 * attributes, and never appear in the DOM.
 */
export interface MembershipCheckoutSettings {
  /** Which billing platform sells: `"teamup"` (default) or `"uelz"`. */
  backend?: 'teamup' | 'uelz';
  /** TeamUp: the API's base URL, e.g. `https://goteamup.com/api/v2` (or a path on this site). */
  apiBase?: string;
  /**
   * TeamUp: the studio's same-site pass-through to TeamUp's API (the gateway's `/v1/teamup`, e.g.
   * `https://pay.studio.example/v1/teamup`), for when TeamUp doesn't allow calls from the studio's
   * site (CORS). Every request goes there instead of `apiBase`; `apiBase` still names TeamUp for
   * signing in and for the payment page's host.
   */
  apiProxy?: string;
  /** TeamUp: the studio's provider id. */
  providerId?: number | string;
  /** TeamUp: the signed-in customer's access token, when the page has already signed them in. Prefer this API to an attribute. */
  token?: string;
  /**
   * TeamUp, with `token`: called when the token is rejected or about to lapse; resolve a fresh one
   * (or `null` to give up). Only through the JS API.
   */
  getFreshToken?: () => Promise<string | null>;
  /** TeamUp: the studio's OAuth client id. Without a `token`, customers sign in with TeamUp (PKCE) when they continue to payment. */
  clientId?: string;
  /** TeamUp: the Authorization scheme, `Bearer` (default), `Token` or `JWT`. */
  authPrefix?: 'Bearer' | 'Token' | 'JWT';
  /** TeamUp: `customer` (default) or `provider`. */
  requestMode?: 'customer' | 'provider';
  /** TeamUp: the customer's profile id, when the page already knows it. (Not for Uelz: use `customerToken`.) */
  customerId?: number | string;
  /** Uelz: the studio's checkout gateway, e.g. `https://pay.studio.example/v1`. */
  gatewayUrl?: string;
  /**
   * Uelz: a returning member's identity, signed by the studio's own server for its gateway
   * (`v1.<customer id>.<expires>.<signature>`, see the gateway's README, "Customer identity").
   * Without it the widget asks for name and email and the gateway makes a new customer.
   * Prefer this API to an attribute.
   */
  customerToken?: string;
  /** Where the payment page sends the customer back (default: this page). Same site unless `allowExternalReturn`. */
  returnUrl?: string;
  /** A BCP 47 language tag for texts, prices and dates, e.g. `en-GB`. */
  locale?: string;
  /** Time limit of one request in seconds, 1–120 (default 15). */
  timeout?: number | string;
  /** Space-separated extra host names the payment page may be on. */
  paymentHosts?: string;
  /** Allow `returnUrl` on another site. */
  allowExternalReturn?: boolean;
}

/** What `event.detail` holds for each event the widget dispatches on its host element. */
export interface MembershipCheckoutEventDetails {
  /** The catalogue is on screen. */
  'membership-checkout:ready': { backend: 'teamup' | 'uelz' };
  /** The customer changed a choice. */
  'membership-checkout:selection-change': {
    membership?: number | null;
    plan?: number | string | null;
    event?: number | null;
    slot?: string | null;
    coupon?: string | null;
  };
  /** The billing platform made an offer; the customer is about to go to `next_url`. */
  'membership-checkout:purchase-initiated': { next_url: string; expires_at: string };
  /** Cancelable: `preventDefault()` keeps the customer on the page, with a countdown and a link. */
  'membership-checkout:redirect': { next_url: string };
  /** The offer lapsed before it was paid. */
  'membership-checkout:expired': Record<string, never>;
  /** Something failed. `stage` is `load` (the widget, its catalogue or a section could not load), `purchase` or `sign-in` (a sign-in answer was refused). */
  'membership-checkout:error': { stage: 'load' | 'purchase' | 'sign-in'; message: string; status: number | null };
}

export type MembershipCheckoutEventMap = {
  [K in keyof MembershipCheckoutEventDetails]: CustomEvent<MembershipCheckoutEventDetails[K]>;
};

/** `<membership-checkout>`: renders the widget in its shadow root while it is in the document. */
export interface MembershipCheckoutElement extends HTMLElement {
  /** Changes settings (merged with those given before) and restarts the widget. */
  update(settings: MembershipCheckoutSettings): Promise<MembershipCheckoutElement>;
  addEventListener<K extends keyof MembershipCheckoutEventMap>(
    type: K,
    listener: (this: MembershipCheckoutElement, event: MembershipCheckoutEventMap[K]) => unknown,
    options?: boolean | AddEventListenerOptions,
  ): void;
  addEventListener(type: string, listener: EventListenerOrEventListenerObject, options?: boolean | AddEventListenerOptions): void;
}

/** `window.MembershipCheckout`, there as soon as the loader script has run. */
export interface MembershipCheckoutApi {
  /** The widget's version, once its code has started. */
  readonly version: string | undefined;
  /** Settles when the widget's code has started (calls below wait for it). */
  readonly ready: Promise<void>;
  /**
   * Renders a widget into `target` (an element or a CSS selector), replacing one already there.
   * A `<div>` works as well as `<membership-checkout>`.
   */
  mount(target: HTMLElement | string, settings?: MembershipCheckoutSettings): Promise<HTMLElement>;
  /** Merges `settings` into those given before and restarts the widget in `target`. */
  update(target: HTMLElement | string, settings: MembershipCheckoutSettings): Promise<HTMLElement>;
  /** Removes the widget from `target`: timers stop, requests are aborted. Resolves `false` if none was there. */
  unmount(target: HTMLElement | string): Promise<boolean>;
}

declare global {
  interface Window {
    MembershipCheckout: MembershipCheckoutApi;
  }
  interface HTMLElementTagNameMap {
    'membership-checkout': MembershipCheckoutElement;
  }
  interface HTMLElementEventMap extends MembershipCheckoutEventMap {}
}
