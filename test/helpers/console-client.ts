/**
 * One person's session with the web console over plain HTTP (no browser): follows redirects,
 * keeps cookies as a browser does for one host (cookies ignore the port, so the console's and the
 * test IdP's cookies on 127.0.0.1 share the jar, as in Chromium), signs in through the IdP's
 * development login form and posts the console's forms with their CSRF token. For suites that
 * act through the console many times; the browser tests drive Chromium.
 */
export class ConsoleClient {
  private readonly cookies = new Map<string, string>();

  constructor(readonly baseUrl: string) {}

  /** One request, no redirects followed; Set-Cookie kept. */
  async request(url: string, init: { method?: string; form?: Record<string, string> } = {}): Promise<Response> {
    const headers: Record<string, string> = {};
    if (this.cookies.size > 0) headers.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    if (init.form) headers['content-type'] = 'application/x-www-form-urlencoded';
    const response = await fetch(url, { method: init.method ?? (init.form ? 'POST' : 'GET'), headers, redirect: 'manual', ...(init.form && { body: new URLSearchParams(init.form).toString() }) });
    for (const line of response.headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const at = pair.indexOf('=');
      const name = pair.slice(0, at).trim();
      const value = pair.slice(at + 1).trim();
      if (/;\s*(max-age=0|expires=thu, 01 jan 1970)/i.test(line) || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return response;
  }

  /** A request and the redirects after it: the last response, its URL and its body. */
  async go(url: string, init: { method?: string; form?: Record<string, string> } = {}): Promise<{ status: number; url: string; body: string }> {
    let target = new URL(url, this.baseUrl).href;
    let response = await this.request(target, init);
    for (let hops = 0; response.status >= 300 && response.status < 400 && hops < 20; hops++) {
      await response.arrayBuffer();
      target = new URL(response.headers.get('location') ?? '/', target).href;
      response = await this.request(target);
    }
    return { status: response.status, url: target, body: await response.text() };
  }

  /** Signs in as `login` (the test IdP takes any password), starting from `path`; returns where it ends. */
  async signIn(login: string, path = '/console/queue'): Promise<{ status: number; url: string; body: string }> {
    const form = await this.go(path);
    const action = /<form[^>]*action="([^"]+)"[^>]*method="post"/i.exec(form.body)?.[1] ?? /<form[^>]*method="post"[^>]*action="([^"]+)"/i.exec(form.body)?.[1];
    if (!action) throw new Error(`no login form at ${form.url}: ${form.body.slice(0, 300)}`);
    return this.go(new URL(action, form.url).href, { form: { prompt: 'login', login, password: 'any password' } });
  }

  /** Opens `page`, takes its CSRF token, and posts `fields` to `action`, as a person submitting one of its forms. */
  async submit(page: string, action: string, fields: Record<string, string>): Promise<{ status: number; url: string; body: string }> {
    const opened = await this.go(page);
    const csrf = /name="_csrf" value="([^"]*)"/.exec(opened.body)?.[1];
    if (csrf === undefined) throw new Error(`no CSRF token on ${opened.url} (${opened.status})`);
    return this.go(action, { form: { _csrf: unescapeHtml(csrf), ...fields } });
  }
}

/** The text of an HTML page, tags dropped and entities read: what a person reads. */
export function pageText(body: string): string {
  return unescapeHtml(body.replace(/<style[\s\S]*?<\/style>/g, ' ').replace(/<[^>]+>/g, ' ')).replace(/\s+/g, ' ').trim();
}

function unescapeHtml(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&#x27;/g, "'").replace(/&#x2F;/g, '/').replace(/&#96;/g, '`').replace(/&amp;/g, '&');
}
