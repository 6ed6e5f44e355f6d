// The PushStore port (migration 0009, docs/push.md): the Web Push subscriptions of users and
// each user's notification settings per conversation, in the warm store.
// A subscription is identified by its endpoint (the push service's URL, unique): saving one
// again replaces its keys (its owner's) or moves it to another user only when the keys sent are
// the stored ones (a browser profile that signs in as another user re-sends its subscription,
// keys and all; someone who merely knows the endpoint URL does not have its keys), with a new id, so a removal by id (the push service answered
// 404/410) never removes a subscription saved again since. Settings are per (conversation, user);
// a missing row means the defaults (not muted, notify all).

export const NOTIFY_LEVELS = ['all', 'mentions', 'none'] as const;
export type NotifyLevel = (typeof NOTIFY_LEVELS)[number];

export interface PushSubscription {
  id: string;
  user: string;
  /** The push service URL the browser gave (https, or http on 127.0.0.1 in tests). */
  endpoint: string;
  /** The browser's P-256 public key, base64url of the 65-byte uncompressed point. */
  p256dh: string;
  /** The 16-byte auth secret, base64url. */
  auth: string;
  user_agent: string | null;
  created_at: string;
}

export interface ConversationSettings {
  muted: boolean;
  notify: NotifyLevel;
  /** Null for the defaults (never set). */
  updated_at: string | null;
}

export const DEFAULT_SETTINGS: ConversationSettings = { muted: false, notify: 'all', updated_at: null };

export type SaveOutcome = 'created' | 'updated' | 'limit' | 'taken';

export interface PushStore {
  /**
   * Saves the subscription by endpoint: `created` (new endpoint), `updated` (the endpoint existed:
   * keys, owner, id and created_at replaced), `taken` when the endpoint is another user's and the
   * p256dh or auth sent differ from the stored ones (nothing written), or `limit` when it is new
   * to this user and the user already has `maxPerUser` subscriptions (nothing written).
   */
  saveSubscription(s: PushSubscription, maxPerUser: number): Promise<SaveOutcome>;
  /** The user's subscriptions, oldest first. */
  listSubscriptions(user: string): Promise<PushSubscription[]>;
  /** The subscriptions of these users (any order). */
  subscriptionsOf(users: readonly string[]): Promise<PushSubscription[]>;
  /** Removes the user's subscription of that endpoint; false when the user had none. */
  removeSubscription(user: string, endpoint: string): Promise<boolean>;
  /** Removes a subscription by id (the push service said it is gone); false when there was none. */
  removeSubscriptionById(id: string): Promise<boolean>;

  /** The user's settings of the conversation (DEFAULT_SETTINGS when never set). */
  getSettings(conversationId: string, user: string): Promise<ConversationSettings>;
  /** Applies the patch over the current settings and returns the result. */
  setSettings(conversationId: string, user: string, patch: { muted?: boolean; notify?: NotifyLevel }, at: string): Promise<ConversationSettings>;
  /** Every stored settings row of the conversation: user → settings (users without a row have the defaults). */
  settingsOf(conversationId: string): Promise<Map<string, ConversationSettings>>;
  /** The user's stored settings in these conversations: conversation → settings. */
  settingsForUser(user: string, conversationIds: readonly string[]): Promise<Map<string, ConversationSettings>>;
}
