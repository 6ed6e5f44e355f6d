// Operator-only routes (dead letters, archive jobs): the token must carry `admin: true`.
import { AppError } from '../errors.js';

export function requireAdmin(req: { user: { admin: boolean } }): void {
  if (!req.user.admin) throw new AppError('FORBIDDEN', 'operators only (token with admin: true)');
}
