import { Global, Inject, Injectable, Module, UnauthorizedException, type CanActivate, type ExecutionContext } from '@nestjs/common'
import { APP_GUARD } from '@nestjs/core'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { CONFIG, type CoordinatorConfig } from '../config/coordinator-config.js'
import { ApiTokens, bearerToken } from './api-tokens.js'

export const API_TOKENS = Symbol('ApiTokens')

const READS = new Set(['GET', 'HEAD', 'OPTIONS'])

/**
 * Every HTTP request that changes something (submitting or cancelling a job, uploading a blob,
 * registering a task) needs an API token; reads need one too with `--private-reads`. The health
 * check stays open, for whatever watches the coordinator.
 */
@Injectable()
export class ApiTokenGuard implements CanActivate {
  constructor (
    @Inject(API_TOKENS) private readonly tokens: ApiTokens,
    @Inject(CONFIG) private readonly config: CoordinatorConfig
  ) {}

  canActivate (context: ExecutionContext): boolean {
    if (context.getType() !== 'http') return true
    const req = context.switchToHttp().getRequest<IncomingMessage & { path?: string }>()
    const method = req.method ?? 'GET'
    if (req.path === '/api/health' || (READS.has(method) && !this.config.privateReads)) return true
    const token = bearerToken(req.headers.authorization)
    if (token !== undefined && this.tokens.valid(token)) return true
    context.switchToHttp().getResponse<ServerResponse>().setHeader('www-authenticate', 'Bearer')
    throw new UnauthorizedException(token === undefined
      ? `${method} ${req.path ?? ''} needs an API token: send "Authorization: Bearer <token>" (the coordinator printed one on its first start; make more with "cycleshare-coordinator token")`
      : 'the API token is not valid here: it was not made by this coordinator (make one with "cycleshare-coordinator token")')
  }
}

/** The API tokens of the data directory, and the guard over every route. */
@Global()
@Module({
  providers: [
    { provide: API_TOKENS, inject: [CONFIG], useFactory: (config: CoordinatorConfig) => new ApiTokens(config.dataDir) },
    { provide: APP_GUARD, useClass: ApiTokenGuard }
  ],
  exports: [API_TOKENS]
})
export class AuthModule {}
