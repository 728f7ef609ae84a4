// zod/mini ships no error messages until a locale is configured. Only English is imported: `z.locales`
// would pull every locale into the Lambda bundles (~260 KB).
import * as z from 'zod/mini';
import en from 'zod/v4/locales/en.js';

z.config(en());
