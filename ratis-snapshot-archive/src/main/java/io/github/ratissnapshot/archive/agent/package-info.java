/**
 * Continuous disaster recovery: {@link io.github.ratissnapshot.archive.agent.BackupAgent} archives a group
 * on a schedule into one or more stores and keeps them by a retention policy. Uses the Ratis client side
 * ({@code …ratis.client}) and the stores ({@code …archive.store}).
 */
package io.github.ratissnapshot.archive.agent;
