/** @jsxImportSource hono/jsx */
/**
 * The page shell both surfaces share: zh-CN (or English in the console), the local stylesheet and the
 * small enhancement script, a skip link, and the strict content security policy: nothing loads from
 * anywhere but this service, and no inline script runs.
 */
import type { Context } from 'hono';
import { getCookie } from 'hono/cookie';
import type { Child } from 'hono/jsx';
import { scriptPath, stylesheetPath } from './assets.js';
import { csrfField, onceField, newOnce } from './web.js';

/** Only this service: its stylesheet, its script, its forms; QR codes and charts are inline SVG. */
export const uiSecurityPolicy = "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

export type Lang = 'zh' | 'en';
export const langCookie = 'vl_lang';

/** The console's language: the toggle's cookie; Chinese unless English was chosen. */
export function langOf(c: Context): Lang {
  return getCookie(c, langCookie) === 'en' ? 'en' : 'zh';
}

/** A translator: the Chinese and the English of one phrase, side by side where they are used. */
export type T = (zh: string, en: string) => string;
export const translator = (lang: Lang): T => (zh, en) => (lang === 'en' ? en : zh);

export function Page(props: { title: string; lang: Lang; bodyClass: string; header: Child; children?: Child }) {
  return (
    <html lang={props.lang === 'en' ? 'en' : 'zh-CN'}>
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="robots" content="noindex" />
        <title>{props.title}</title>
        <link rel="stylesheet" href={stylesheetPath} />
        <script src={scriptPath} defer></script>
      </head>
      <body class={props.bodyClass}>
        <a class="skip" href="#main">
          {props.lang === 'en' ? 'Skip to content' : '跳到正文'}
        </a>
        {props.header}
        <main id="main">{props.children}</main>
      </body>
    </html>
  );
}

/** Hidden fields every session form carries: the CSRF token and a fresh once-key. */
export function FormKeys(props: { csrf: string }) {
  return (
    <>
      <input type="hidden" name={csrfField} value={props.csrf} />
      <input type="hidden" name={onceField} value={newOnce()} />
    </>
  );
}

/** Renders a page with its doctype and security headers. */
export async function respond(c: Context, page: { toString(): string | Promise<string> }, status: 200 | 400 | 401 | 403 | 404 | 409 | 410 | 413 | 422 | 429 | 500 | 503 = 200): Promise<Response> {
  c.header('content-security-policy', uiSecurityPolicy);
  c.header('cache-control', 'no-store');
  // same-origin, not no-referrer: with no-referrer browsers send `Origin: null` on form posts, which checkOrigin refuses.
  c.header('referrer-policy', 'same-origin');
  c.header('x-content-type-options', 'nosniff');
  return c.html(`<!doctype html>${await page.toString()}`, status);
}

/** The HTTP status of a problem, narrowed to what pages answer with. */
export function pageStatus(status: number): 400 | 401 | 403 | 404 | 409 | 410 | 413 | 422 | 500 | 503 {
  const known = [400, 401, 403, 404, 409, 410, 413, 422, 503] as const;
  return (known as readonly number[]).includes(status) ? (status as (typeof known)[number]) : 500;
}
