import { Global, Module, type DynamicModule } from '@nestjs/common'
import { LOGGER, type Logger } from '../logger.js'
import { CONFIG, type CoordinatorConfig } from './coordinator-config.js'

/** The validated config and the logger, made once in main and given to every module. */
@Global()
@Module({})
export class CoreModule {
  static forRoot (config: CoordinatorConfig, log: Logger): DynamicModule {
    return {
      module: CoreModule,
      providers: [{ provide: CONFIG, useValue: config }, { provide: LOGGER, useValue: log }],
      exports: [CONFIG, LOGGER]
    }
  }
}
