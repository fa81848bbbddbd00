-- student_results:additive
SELECT
  *
FROM (
  SELECT
    `t5`.`org_id`,
    `t5`.`year`,
    `t5`.`subject`,
    `t5`.`grade`,
    `t5`.`n0`,
    `t5`.`d0`,
    `t2`.`territory_id`
  FROM (
    SELECT
      `t3`.`org_id`,
      `t3`.`year`,
      `t3`.`subject`,
      `t3`.`grade`,
      SUM(IF((
        `t3`.`passed` IS NOT NULL
      ) AND (
        `t3`.`passed` = TRUE
      ), 1, 0)) AS `n0`,
      SUM(IF(`t3`.`passed` IS NOT NULL, 1, 0)) AS `d0`
    FROM (
      SELECT
        *
      FROM `student_results` AS `t1`
      WHERE
        `t1`.`procedure` IN ('SPT')
    ) AS `t3`
    GROUP BY
      1,
      2,
      3,
      4
  ) AS `t5`
  LEFT OUTER JOIN `org_territory` AS `t2`
    ON `t5`.`org_id` = `t2`.`org_id`
) AS `t6`
ORDER BY
  `t6`.`year` ASC NULLS LAST,
  `t6`.`territory_id` ASC,
  `t6`.`org_id` ASC NULLS LAST;

-- mm.medallists_70_plus:per_student
SELECT
  *
FROM (
  SELECT
    `t11`.`org_id`,
    `t11`.`year`,
    `t11`.`n0`,
    `t11`.`d0`,
    `t3`.`territory_id`
  FROM (
    SELECT
      `t9`.`org_id`,
      `t9`.`year`,
      SUM(IF(`t9`.`lowest` >= 70, 1, 0)) AS `n0`,
      SUM(IF(`t9`.`org_id` IS NOT NULL, 1, 0)) AS `d0`
    FROM (
      SELECT
        `t8`.`org_id`,
        `t8`.`year`,
        `t8`.`student`,
        `t8`.`lowest`
      FROM (
        SELECT
          `t4`.`org_id`,
          `t4`.`year`,
          `t4`.`student`,
          MIN(`t4`.`test_score`) AS `lowest`
        FROM (
          SELECT
            *
          FROM `student_results` AS `t1`
          WHERE
            `t1`.`procedure` = 'EGE'
            AND (
              `t1`.`test_score` IS NOT NULL AND NOT ISNAN(`t1`.`test_score`)
            )
        ) AS `t4`
        GROUP BY
          1,
          2,
          3
      ) AS `t8`
      LEFT SEMI JOIN (
        SELECT DISTINCT
          `t2`.`org_id`,
          `t2`.`year`,
          `t2`.`student`
        FROM `medals` AS `t2`
        WHERE
          `t2`.`org_id` IS NOT NULL
      ) AS `t6`
        ON `t8`.`org_id` = `t6`.`org_id`
        AND `t8`.`year` = `t6`.`year`
        AND `t8`.`student` = `t6`.`student`
    ) AS `t9`
    GROUP BY
      1,
      2
  ) AS `t11`
  LEFT OUTER JOIN `org_territory` AS `t3`
    ON `t11`.`org_id` = `t3`.`org_id`
) AS `t12`
ORDER BY
  `t12`.`year` ASC NULLS LAST,
  `t12`.`territory_id` ASC,
  `t12`.`org_id` ASC NULLS LAST;

-- mm.share_220_plus:per_student
SELECT
  *
FROM (
  SELECT
    `t7`.`org_id`,
    `t7`.`year`,
    `t7`.`n0`,
    `t7`.`d0`,
    `t2`.`territory_id`
  FROM (
    SELECT
      `t5`.`org_id`,
      `t5`.`year`,
      SUM(IF(`t5`.`best3` >= 220, 1, 0)) AS `n0`,
      SUM(IF(`t5`.`org_id` IS NOT NULL, 1, 0)) AS `d0`
    FROM (
      SELECT
        `t4`.`org_id`,
        `t4`.`year`,
        `t4`.`student`,
        SUM(
          IF(
            (
              `t4`.`_rank_best3` < 3
            )
            AND (
              `t4`.`test_score` IS NOT NULL AND NOT ISNAN(`t4`.`test_score`)
            ),
            `t4`.`test_score`,
            0.0
          )
        ) AS `best3`
      FROM (
        SELECT
          `t3`.`batch_id`,
          `t3`.`org_id`,
          `t3`.`year`,
          `t3`.`procedure`,
          `t3`.`subject`,
          `t3`.`grade`,
          `t3`.`student`,
          `t3`.`class_label`,
          `t3`.`variant`,
          `t3`.`primary_score`,
          `t3`.`test_score`,
          `t3`.`mark`,
          `t3`.`journal_mark`,
          `t3`.`passed`,
          `t3`.`level`,
          ROW_NUMBER() OVER (
            PARTITION BY `t3`.`org_id`, `t3`.`year`, `t3`.`student`
            ORDER BY `t3`.`test_score` DESC
          ) - 1 AS `_rank_best3`
        FROM (
          SELECT
            *
          FROM `student_results` AS `t1`
          WHERE
            `t1`.`procedure` = 'EGE'
            AND (
              `t1`.`test_score` IS NOT NULL AND NOT ISNAN(`t1`.`test_score`)
            )
        ) AS `t3`
      ) AS `t4`
      GROUP BY
        1,
        2,
        3
    ) AS `t5`
    GROUP BY
      1,
      2
  ) AS `t7`
  LEFT OUTER JOIN `org_territory` AS `t2`
    ON `t7`.`org_id` = `t2`.`org_id`
) AS `t8`
ORDER BY
  `t8`.`year` ASC NULLS LAST,
  `t8`.`territory_id` ASC,
  `t8`.`org_id` ASC NULLS LAST;

-- mm.vsosh_regional_participants:distinct
SELECT
  *
FROM (
  SELECT
    `t5`.`org_id`,
    `t5`.`year`,
    `t5`.`n0`,
    `t2`.`territory_id`
  FROM (
    SELECT
      `t3`.`org_id`,
      `t3`.`year`,
      COUNT(DISTINCT `t3`.`student`) AS `n0`
    FROM (
      SELECT
        *
      FROM `olympiad_results` AS `t1`
      WHERE
        `t1`.`procedure` = 'VSOSH' AND `t1`.`stage` IN ('regional', 'final')
    ) AS `t3`
    GROUP BY
      1,
      2
  ) AS `t5`
  LEFT OUTER JOIN `org_territory` AS `t2`
    ON `t5`.`org_id` = `t2`.`org_id`
) AS `t6`
ORDER BY
  `t6`.`year` ASC NULLS LAST,
  `t6`.`territory_id` ASC,
  `t6`.`org_id` ASC NULLS LAST;
