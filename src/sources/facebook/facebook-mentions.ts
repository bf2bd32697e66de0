import type { Mention } from '../../domain/mention.js';

/** The Graph objects the Facebook source reads, as far as it reads them (all fields may be absent). */
export interface GraphUser {
  id?: string;
  name?: string;
}

export interface GraphPost {
  id?: string;
  message?: string;
  created_time?: string;
  updated_time?: string;
  permalink_url?: string;
  from?: GraphUser;
}

export interface GraphComment {
  id?: string;
  message?: string;
  created_time?: string;
  permalink_url?: string;
  from?: GraphUser;
  parent?: { id?: string; message?: string };
}

export interface GraphRating {
  created_time?: string;
  recommendation_type?: string;
  review_text?: string;
  reviewer?: GraphUser;
  open_graph_story?: { id?: string };
}

/** Graph objects as mentions: the page's `feed` stream (posts, comments) and `ratings`. */
function author(from: GraphUser | undefined): Mention['author'] {
  // Without pages_read_user_content, or for a deleted account, Graph leaves `from` out.
  const id = typeof from?.id === 'string' ? from.id : 'unknown';
  const name = typeof from?.name === 'string' && from.name !== '' ? from.name : undefined;
  return { id, handle: name ?? (id === 'unknown' ? 'Facebook user' : id), ...(name !== undefined && { name }) };
}

export function postMention(post: GraphPost, createdAt: number): Mention {
  return {
    platform: 'facebook',
    nativeId: post.id as string,
    author: author(post.from),
    text: post.message as string,
    createdAt,
    url: typeof post.permalink_url === 'string' ? post.permalink_url : `https://www.facebook.com/${post.id}`,
    conversationId: post.id as string,
    stream: 'feed',
  };
}

export function commentMention(comment: GraphComment, createdAt: number, postId: string, inReplyToId: string, parentText: string | undefined): Mention {
  const mention: Mention = {
    platform: 'facebook',
    nativeId: comment.id as string,
    author: author(comment.from),
    text: comment.message as string,
    createdAt,
    url: typeof comment.permalink_url === 'string' ? comment.permalink_url : `https://www.facebook.com/${comment.id}`,
    conversationId: postId,
    inReplyToId,
    stream: 'feed',
  };
  if (typeof parentText === 'string' && parentText !== '') mention.inReplyToText = parentText;
  return mention;
}

export function ratingMention(rating: GraphRating, createdAt: number): Mention {
  const reviewer = author(rating.reviewer);
  const story = rating.open_graph_story?.id;
  const negative = rating.recommendation_type === 'negative';
  const written = typeof rating.review_text === 'string' && rating.review_text.trim() !== '' ? rating.review_text : undefined;
  const verdict = negative ? 'Not recommended' : 'Recommended';
  return {
    platform: 'facebook',
    // A recommendation is a story; without its id, one reviewer recommends a page once at a given time.
    nativeId: typeof story === 'string' ? story : `rating:${reviewer.id}:${createdAt}`,
    author: reviewer,
    text: written === undefined ? `${verdict} (rating only, no written review)` : `${verdict}: ${written}`,
    createdAt,
    ...(typeof story === 'string' && { url: `https://www.facebook.com/${story}` }),
    stream: 'ratings',
    ...((rating.recommendation_type === 'positive' || negative) && { rating: { recommends: !negative } }),
  };
}
