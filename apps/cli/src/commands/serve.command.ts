import { Command } from 'commander';
import { collectorCommand } from '@kettle/collect';
import { loaderCommand } from '@kettle/load';
import { transformerCommand } from '@kettle/transform';

/** `kettle serve collector|transformer|loader`: the same services as dist/apps/<app>/main.js. */
export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('Run one service over Google Pub/Sub (what each Kubernetes Deployment runs).')
    .addCommand(collectorCommand('collector'))
    .addCommand(transformerCommand('transformer'))
    .addCommand(loaderCommand('loader'));
}
