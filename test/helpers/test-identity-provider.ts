import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider, { type ProviderContext } from 'oidc-provider';

/** A person the test IdP knows: whoever types this login (any password) signs in as them. */
export interface TestPerson {
  name: string;
  groups: string[];
}

/**
 * A real OpenID provider (oidc-provider, the certified implementation) on 127.0.0.1, with its
 * development login form: type a login from `people` and any password. Consent is granted
 * without asking (a hospital's IdP does that for its own apps). The ID token carries `name`,
 * `preferred_username` and `groups`, as Entra ID's does when group claims are configured.
 */
export class TestIdentityProvider {
  readonly clientId = 'triage-console';
  readonly clientSecret = 'test-client-secret-0123456789abcdef';
  private server: Server | undefined;
  private port = 0;

  constructor(private readonly people: Record<string, TestPerson>) {}

  get issuer(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Takes its port (the issuer names it) before the client's redirect URI is known. */
  async listen(): Promise<string> {
    if (!this.server) {
      this.server = createServer();
      await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
      this.port = (this.server.address() as AddressInfo).port;
    }
    return this.issuer;
  }

  /** Serves OpenID Connect for the one client, which comes back to `redirect`. */
  async start(redirect: string): Promise<void> {
    await this.listen();
    const people = this.people;
    const provider = new Provider(this.issuer, {
      clients: [{ client_id: this.clientId, client_secret: this.clientSecret, redirect_uris: [redirect], grant_types: ['authorization_code'], response_types: ['code'], token_endpoint_auth_method: 'client_secret_basic' }],
      claims: { openid: ['sub'], profile: ['name', 'preferred_username', 'groups'], email: ['email'] },
      conformIdTokenClaims: false,
      pkce: { required: () => true },
      cookies: { keys: ['test-idp-cookie-key-0123456789'] },
      features: { devInteractions: { enabled: true } },
      async findAccount(_ctx: unknown, sub: string) {
        const person = people[sub];
        if (!person) return undefined;
        return { accountId: sub, claims: async () => ({ sub, name: person.name, preferred_username: sub, groups: person.groups, email: `${sub}@hospital.example` }) };
      },
      async loadExistingGrant(ctx: ProviderContext) {
        const grant = new provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
        grant.addOIDCScope('openid profile email');
        await grant.save();
        return grant;
      },
    });
    this.server!.on('request', provider.callback());
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => {
      if (!this.server) return resolve();
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}
