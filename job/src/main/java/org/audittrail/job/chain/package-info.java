/*
 * Copyright 2026 the audit-trail authors
 *
 * Licensed under the Apache License, Version 2.0 (the "License");
 * you may not use this file except in compliance with the License.
 * You may obtain a copy of the License at
 *
 *     http://www.apache.org/licenses/LICENSE-2.0
 *
 * Unless required by applicable law or agreed to in writing, software
 * distributed under the License is distributed on an "AS IS" BASIS,
 * WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
 * See the License for the specific language governing permissions and
 * limitations under the License.
 */
/**
 * The destination's hash chains: the last link, where a job without state goes on, the verify command's check of a
 * chain, naming the first bad change and how it went bad, signed heads, and erasures with their receipts (the erase
 * command and verify's check of the receipts). May use db and udf's chain.
 */
package org.audittrail.job.chain;
