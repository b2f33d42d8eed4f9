/** A generator error with a message meant for the person at the terminal. */
export class CreatePackageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CreatePackageError';
  }
}
