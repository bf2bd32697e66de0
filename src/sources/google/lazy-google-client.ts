import type { GoogleConfig } from '../../config.js';
import { transportError } from '../request-policy.js';
import type { GoogleReviewsClient, GoogleSourceOptions } from './google-reviews-source.js';

type ClientModule = typeof import('./google-client.js');

/**
 * The Google client, with google-auth-library loaded on the first request rather than when the bot
 * starts (it is only needed where Google reviews are configured, and only once a poll runs).
 */
export function lazyGoogleClient(config: GoogleConfig): Pick<GoogleSourceOptions, 'client' | 'translate' | 'isCredentialFailure'> {
  let module: ClientModule | undefined;
  let real: GoogleReviewsClient | undefined;
  const load = async (): Promise<GoogleReviewsClient> => {
    module ??= await import('./google-client.js');
    real ??= module.createGoogleReviewsClient(config);
    return real;
  };
  return {
    client: {
      get answeredBefore() {
        return real?.answeredBefore ?? false;
      },
      async listReviews(locationId, query, signal) {
        return (await load()).listReviews(locationId, query, signal);
      },
    },
    translate: (error, what) => (module ? module.translateGoogleError(error, what, { answeredBefore: real?.answeredBefore ?? false }) : transportError('Google', what, error)),
    isCredentialFailure: (error) => module?.isCredentialRejected(error) ?? false,
  };
}
