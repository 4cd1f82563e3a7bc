import { Global, Module } from '@nestjs/common';
import { Clock } from './clock';
import { HttpDrain } from './http-drain';

@Global()
@Module({ providers: [Clock, HttpDrain], exports: [Clock, HttpDrain] })
export class CommonModule {}
