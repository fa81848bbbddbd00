-- student_results:additive
SELECT
  *
FROM (
  SELECT
    `t5`.`org_id`,
    `t5`.`year`,
    `t5`.`procedure`,
    `t5`.`subject`,
    `t5`.`grade`,
    `t5`.`n0`,
    `t5`.`d0`,
    `t5`.`n1`,
    `t5`.`d1`,
    `t5`.`n2`,
    `t5`.`c2`,
    `t5`.`n3`,
    `t5`.`c3`,
    `t5`.`n4`,
    `t5`.`d4`,
    `t5`.`n5`,
    `t5`.`d5`,
    `t5`.`n6`,
    `t5`.`d6`,
    `t5`.`n7`,
    `t5`.`d7`,
    `t5`.`n8`,
    `t5`.`d8`,
    `t5`.`n9`,
    `t5`.`c9`,
    `t5`.`n10`,
    `t5`.`c10`,
    `t5`.`n11`,
    `t5`.`d11`,
    `t5`.`n12`,
    `t5`.`c12`,
    `t5`.`n13`,
    `t5`.`d13`,
    `t5`.`n14`,
    `t5`.`d14`,
    `t5`.`n15`,
    `t5`.`d15`,
    `t5`.`n16`,
    `t5`.`d16`,
    `t5`.`n17`,
    `t5`.`d17`,
    `t5`.`n18`,
    `t5`.`d18`,
    `t5`.`n19`,
    `t5`.`c19`,
    `t5`.`n20`,
    `t5`.`d20`,
    `t5`.`n21`,
    `t5`.`d21`,
    `t5`.`n22`,
    `t5`.`d22`,
    `t5`.`n23`,
    `t5`.`d23`,
    `t5`.`n24`,
    `t5`.`d24`,
    `t5`.`n25`,
    `t5`.`d25`,
    `t5`.`n26`,
    `t5`.`d26`,
    `t5`.`n27`,
    `t5`.`c27`,
    `t2`.`territory_id`
  FROM (
    SELECT
      `t3`.`org_id`,
      `t3`.`year`,
      `t3`.`procedure`,
      `t3`.`subject`,
      `t3`.`grade`,
      SUM(
        IF(
          (
            `t3`.`procedure` = 'VPR'
          )
          AND (
            `t3`.`mark` IS NOT NULL
          )
          AND (
            `t3`.`mark` = 2
          ),
          1,
          0
        )
      ) AS `n0`,
      SUM(IF((
        `t3`.`procedure` = 'VPR'
      ) AND (
        `t3`.`mark` IS NOT NULL
      ), 1, 0)) AS `d0`,
      SUM(
        IF(
          (
            `t3`.`procedure` = 'VPR'
          )
          AND (
            `t3`.`mark` IS NOT NULL
          )
          AND `t3`.`mark` IN (4, 5),
          1,
          0
        )
      ) AS `n1`,
      SUM(IF((
        `t3`.`procedure` = 'VPR'
      ) AND (
        `t3`.`mark` IS NOT NULL
      ), 1, 0)) AS `d1`,
      SUM(
        IF(
          (
            `t3`.`procedure` = 'VPR'
          ) AND (
            `t3`.`mark` IS NOT NULL
          ),
          CAST(`t3`.`mark` AS DOUBLE),
          0.0
        )
      ) AS `n2`,
      SUM(IF((
        `t3`.`procedure` = 'VPR'
      ) AND (
        `t3`.`mark` IS NOT NULL
      ), 1, 0)) AS `c2`,
      SUM(
        IF(
          (
            `t3`.`procedure` = 'VPR'
          )
          AND (
            `t3`.`primary_score` IS NOT NULL AND NOT ISNAN(`t3`.`primary_score`)
          ),
          `t3`.`primary_score`,
          0.0
        )
      ) AS `n3`,
      SUM(
        IF(
          (
            `t3`.`procedure` = 'VPR'
          )
          AND (
            `t3`.`primary_score` IS NOT NULL AND NOT ISNAN(`t3`.`primary_score`)
          ),
          1,
          0
        )
      ) AS `c3`,
      SUM(
        IF(
          (
            `t3`.`procedure` = 'VPR'
          )
          AND (
            `t3`.`mark` IS NOT NULL
          )
          AND (
            `t3`.`journal_mark` IS NOT NULL
          )
          AND (
            `t3`.`mark` < `t3`.`journal_mark`
          ),
          1,
          0
        )
      ) AS `n4`,
      SUM(
        IF(
          (
            `t3`.`procedure` = 'VPR'
          )
          AND (
            `t3`.`mark` IS NOT NULL
          )
          AND (
            `t3`.`journal_mark` IS NOT NULL
          ),
          1,
          0
        )
      ) AS `d4`,
      SUM(
        IF(
          (
            `t3`.`procedure` = 'VPR'
          )
          AND (
            `t3`.`mark` IS NOT NULL
          )
          AND (
            `t3`.`journal_mark` IS NOT NULL
          )
          AND (
            `t3`.`mark` = `t3`.`journal_mark`
          ),
          1,
          0
        )
      ) AS `n5`,
      SUM(
        IF(
          (
            `t3`.`procedure` = 'VPR'
          )
          AND (
            `t3`.`mark` IS NOT NULL
          )
          AND (
            `t3`.`journal_mark` IS NOT NULL
          ),
          1,
          0
        )
      ) AS `d5`,
      SUM(
        IF(
          (
            `t3`.`procedure` = 'VPR'
          )
          AND (
            `t3`.`mark` IS NOT NULL
          )
          AND (
            `t3`.`journal_mark` IS NOT NULL
          )
          AND (
            `t3`.`mark` > `t3`.`journal_mark`
          ),
          1,
          0
        )
      ) AS `n6`,
      SUM(
        IF(
          (
            `t3`.`procedure` = 'VPR'
          )
          AND (
            `t3`.`mark` IS NOT NULL
          )
          AND (
            `t3`.`journal_mark` IS NOT NULL
          ),
          1,
          0
        )
      ) AS `d6`,
      SUM(
        IF(
          (
            `t3`.`procedure` = 'OGE'
          )
          AND (
            `t3`.`mark` IS NOT NULL
          )
          AND (
            `t3`.`mark` = 2
          ),
          1,
          0
        )
      ) AS `n7`,
      SUM(IF((
        `t3`.`procedure` = 'OGE'
      ) AND (
        `t3`.`mark` IS NOT NULL
      ), 1, 0)) AS `d7`,
      SUM(
        IF(
          (
            `t3`.`procedure` = 'OGE'
          )
          AND (
            `t3`.`mark` IS NOT NULL
          )
          AND `t3`.`mark` IN (4, 5),
          1,
          0
        )
      ) AS `n8`,
      SUM(IF((
        `t3`.`procedure` = 'OGE'
      ) AND (
        `t3`.`mark` IS NOT NULL
      ), 1, 0)) AS `d8`,
      SUM(
        IF(
          (
            `t3`.`procedure` = 'OGE'
          ) AND (
            `t3`.`mark` IS NOT NULL
          ),
          CAST(`t3`.`mark` AS DOUBLE),
          0.0
        )
      ) AS `n9`,
      SUM(IF((
        `t3`.`procedure` = 'OGE'
      ) AND (
        `t3`.`mark` IS NOT NULL
      ), 1, 0)) AS `c9`,
      SUM(
        IF(
          (
            `t3`.`procedure` = 'OGE'
          )
          AND (
            `t3`.`primary_score` IS NOT NULL AND NOT ISNAN(`t3`.`primary_score`)
          ),
          `t3`.`primary_score`,
          0.0
        )
      ) AS `n10`,
      SUM(
        IF(
          (
            `t3`.`procedure` = 'OGE'
          )
          AND (
            `t3`.`primary_score` IS NOT NULL AND NOT ISNAN(`t3`.`primary_score`)
          ),
          1,
          0
        )
      ) AS `c10`,
      SUM(
        IF(
          `t3`.`procedure` IN ('OGE', 'GVE9')
          AND (
            `t3`.`mark` IS NOT NULL
          )
          AND (
            `t3`.`mark` = 2
          ),
          1,
          0
        )
      ) AS `n11`,
      SUM(IF(`t3`.`procedure` IN ('OGE', 'GVE9') AND (
        `t3`.`mark` IS NOT NULL
      ), 1, 0)) AS `d11`,
      SUM(
        IF(
          (
            `t3`.`procedure` = 'EGE'
          )
          AND (
            `t3`.`test_score` IS NOT NULL AND NOT ISNAN(`t3`.`test_score`)
          ),
          `t3`.`test_score`,
          0.0
        )
      ) AS `n12`,
      SUM(
        IF(
          (
            `t3`.`procedure` = 'EGE'
          )
          AND (
            `t3`.`test_score` IS NOT NULL AND NOT ISNAN(`t3`.`test_score`)
          ),
          1,
          0
        )
      ) AS `c12`,
      SUM(
        IF(
          (
            `t3`.`procedure` = 'EGE'
          )
          AND (
            (
              `t3`.`test_score` < `t3`.`_min_threshold`
            )
            OR (
              `t3`.`test_score` >= `t3`.`_min_threshold`
            )
            OR (
              `t3`.`mark` IS NOT NULL
            )
          )
          AND (
            (
              `t3`.`test_score` < `t3`.`_min_threshold`
            ) OR (
              `t3`.`mark` = 2
            )
          ),
          1,
          0
        )
      ) AS `n13`,
      SUM(
        IF(
          (
            `t3`.`procedure` = 'EGE'
          )
          AND (
            (
              `t3`.`test_score` < `t3`.`_min_threshold`
            )
            OR (
              `t3`.`test_score` >= `t3`.`_min_threshold`
            )
            OR (
              `t3`.`mark` IS NOT NULL
            )
          ),
          1,
          0
        )
      ) AS `d13`,
      SUM(
        IF(
          (
            `t3`.`procedure` = 'EGE'
          )
          AND (
            `t3`.`test_score` IS NOT NULL AND NOT ISNAN(`t3`.`test_score`)
          )
          AND (
            `t3`.`test_score` >= 60
          ),
          1,
          0
        )
      ) AS `n14`,
      SUM(
        IF(
          (
            `t3`.`procedure` = 'EGE'
          )
          AND (
            `t3`.`test_score` IS NOT NULL AND NOT ISNAN(`t3`.`test_score`)
          ),
          1,
          0
        )
      ) AS `d14`,
      SUM(
        IF(
          (
            `t3`.`procedure` = 'EGE'
          )
          AND (
            `t3`.`test_score` IS NOT NULL AND NOT ISNAN(`t3`.`test_score`)
          )
          AND (
            `t3`.`test_score` >= 70
          ),
          1,
          0
        )
      ) AS `n15`,
      SUM(
        IF(
          (
            `t3`.`procedure` = 'EGE'
          )
          AND (
            `t3`.`test_score` IS NOT NULL AND NOT ISNAN(`t3`.`test_score`)
          ),
          1,
          0
        )
      ) AS `d15`,
      SUM(
        IF(
          (
            `t3`.`procedure` = 'EGE'
          )
          AND (
            `t3`.`test_score` IS NOT NULL AND NOT ISNAN(`t3`.`test_score`)
          )
          AND (
            `t3`.`test_score` >= 80
          ),
          1,
          0
        )
      ) AS `n16`,
      SUM(
        IF(
          (
            `t3`.`procedure` = 'EGE'
          )
          AND (
            `t3`.`test_score` IS NOT NULL AND NOT ISNAN(`t3`.`test_score`)
          ),
          1,
          0
        )
      ) AS `d16`,
      SUM(
        IF(
          (
            `t3`.`procedure` = 'EGE'
          )
          AND (
            `t3`.`mark` IS NOT NULL
          )
          AND (
            `t3`.`mark` = 2
          ),
          1,
          0
        )
      ) AS `n17`,
      SUM(IF((
        `t3`.`procedure` = 'EGE'
      ) AND (
        `t3`.`mark` IS NOT NULL
      ), 1, 0)) AS `d17`,
      SUM(
        IF(
          (
            `t3`.`procedure` = 'EGE'
          )
          AND (
            `t3`.`mark` IS NOT NULL
          )
          AND `t3`.`mark` IN (4, 5),
          1,
          0
        )
      ) AS `n18`,
      SUM(IF((
        `t3`.`procedure` = 'EGE'
      ) AND (
        `t3`.`mark` IS NOT NULL
      ), 1, 0)) AS `d18`,
      SUM(
        IF(
          (
            `t3`.`procedure` = 'EGE'
          ) AND (
            `t3`.`mark` IS NOT NULL
          ),
          CAST(`t3`.`mark` AS DOUBLE),
          0.0
        )
      ) AS `n19`,
      SUM(IF((
        `t3`.`procedure` = 'EGE'
      ) AND (
        `t3`.`mark` IS NOT NULL
      ), 1, 0)) AS `c19`,
      SUM(
        IF(
          (
            `t3`.`procedure` = 'KDR'
          )
          AND (
            `t3`.`level` IS NOT NULL
          )
          AND (
            `t3`.`level` = 'low'
          ),
          1,
          0
        )
      ) AS `n20`,
      SUM(IF((
        `t3`.`procedure` = 'KDR'
      ) AND (
        `t3`.`level` IS NOT NULL
      ), 1, 0)) AS `d20`,
      SUM(
        IF(
          (
            `t3`.`procedure` = 'KDR'
          )
          AND (
            `t3`.`level` IS NOT NULL
          )
          AND (
            `t3`.`level` = 'basic'
          ),
          1,
          0
        )
      ) AS `n21`,
      SUM(IF((
        `t3`.`procedure` = 'KDR'
      ) AND (
        `t3`.`level` IS NOT NULL
      ), 1, 0)) AS `d21`,
      SUM(
        IF(
          (
            `t3`.`procedure` = 'KDR'
          )
          AND (
            `t3`.`level` IS NOT NULL
          )
          AND (
            `t3`.`level` = 'advanced'
          ),
          1,
          0
        )
      ) AS `n22`,
      SUM(IF((
        `t3`.`procedure` = 'KDR'
      ) AND (
        `t3`.`level` IS NOT NULL
      ), 1, 0)) AS `d22`,
      SUM(
        IF(
          (
            `t3`.`procedure` = 'KDR'
          )
          AND (
            `t3`.`level` IS NOT NULL
          )
          AND (
            `t3`.`level` = 'high'
          ),
          1,
          0
        )
      ) AS `n23`,
      SUM(IF((
        `t3`.`procedure` = 'KDR'
      ) AND (
        `t3`.`level` IS NOT NULL
      ), 1, 0)) AS `d23`,
      SUM(
        IF(
          (
            `t3`.`procedure` = 'KDR'
          )
          AND (
            `t3`.`level` IS NOT NULL
          )
          AND `t3`.`level` IN ('basic', 'advanced', 'high'),
          1,
          0
        )
      ) AS `n24`,
      SUM(IF((
        `t3`.`procedure` = 'KDR'
      ) AND (
        `t3`.`level` IS NOT NULL
      ), 1, 0)) AS `d24`,
      SUM(
        IF(
          (
            `t3`.`procedure` = 'ESSAY'
          )
          AND (
            `t3`.`passed` IS NOT NULL
          )
          AND (
            `t3`.`passed` = TRUE
          ),
          1,
          0
        )
      ) AS `n25`,
      SUM(IF((
        `t3`.`procedure` = 'ESSAY'
      ) AND (
        `t3`.`passed` IS NOT NULL
      ), 1, 0)) AS `d25`,
      SUM(
        IF(
          (
            `t3`.`procedure` = 'INTERVIEW'
          )
          AND (
            `t3`.`passed` IS NOT NULL
          )
          AND (
            `t3`.`passed` = TRUE
          ),
          1,
          0
        )
      ) AS `n26`,
      SUM(
        IF((
          `t3`.`procedure` = 'INTERVIEW'
        ) AND (
          `t3`.`passed` IS NOT NULL
        ), 1, 0)
      ) AS `d26`,
      SUM(
        IF(
          (
            `t3`.`procedure` = 'INTERVIEW'
          )
          AND (
            `t3`.`primary_score` IS NOT NULL AND NOT ISNAN(`t3`.`primary_score`)
          ),
          `t3`.`primary_score`,
          0.0
        )
      ) AS `n27`,
      SUM(
        IF(
          (
            `t3`.`procedure` = 'INTERVIEW'
          )
          AND (
            `t3`.`primary_score` IS NOT NULL AND NOT ISNAN(`t3`.`primary_score`)
          ),
          1,
          0
        )
      ) AS `c27`
    FROM (
      SELECT
        `t1`.`batch_id`,
        `t1`.`org_id`,
        `t1`.`year`,
        `t1`.`procedure`,
        `t1`.`subject`,
        `t1`.`grade`,
        `t1`.`student`,
        `t1`.`class_label`,
        `t1`.`variant`,
        `t1`.`primary_score`,
        `t1`.`test_score`,
        `t1`.`mark`,
        `t1`.`journal_mark`,
        `t1`.`passed`,
        `t1`.`level`,
        CASE
          WHEN (
            `t1`.`procedure` = 'EGE'
          ) AND (
            `t1`.`subject` = 'bio'
          )
          THEN 36.0
          WHEN (
            `t1`.`procedure` = 'EGE'
          ) AND (
            `t1`.`subject` = 'chem'
          )
          THEN 36.0
          WHEN (
            `t1`.`procedure` = 'EGE'
          ) AND (
            `t1`.`subject` = 'eng'
          )
          THEN 22.0
          WHEN (
            `t1`.`procedure` = 'EGE'
          ) AND (
            `t1`.`subject` = 'geo'
          )
          THEN 37.0
          WHEN (
            `t1`.`procedure` = 'EGE'
          ) AND (
            `t1`.`subject` = 'hist'
          )
          THEN 32.0
          WHEN (
            `t1`.`procedure` = 'EGE'
          ) AND (
            `t1`.`subject` = 'inf'
          )
          THEN 40.0
          WHEN (
            `t1`.`procedure` = 'EGE'
          ) AND (
            `t1`.`subject` = 'lit'
          )
          THEN 32.0
          WHEN (
            `t1`.`procedure` = 'EGE'
          ) AND (
            `t1`.`subject` = 'math_profile'
          )
          THEN 27.0
          WHEN (
            `t1`.`procedure` = 'EGE'
          ) AND (
            `t1`.`subject` = 'phys'
          )
          THEN 36.0
          WHEN (
            `t1`.`procedure` = 'EGE'
          ) AND (
            `t1`.`subject` = 'ru'
          )
          THEN 24.0
          WHEN (
            `t1`.`procedure` = 'EGE'
          ) AND (
            `t1`.`subject` = 'soc'
          )
          THEN 42.0
          ELSE CAST(NULL AS DOUBLE)
        END AS `_min_threshold`
      FROM `student_results` AS `t1`
      WHERE
        `t1`.`procedure` IN ('EGE', 'ESSAY', 'GVE9', 'INTERVIEW', 'KDR', 'OGE', 'VPR')
    ) AS `t3`
    GROUP BY
      1,
      2,
      3,
      4,
      5
  ) AS `t5`
  LEFT OUTER JOIN `org_territory` AS `t2`
    ON `t5`.`org_id` = `t2`.`org_id`
) AS `t6`
ORDER BY
  `t6`.`year` ASC NULLS LAST,
  `t6`.`territory_id` ASC,
  `t6`.`org_id` ASC NULLS LAST;

-- task_scores:additive
SELECT
  *
FROM (
  SELECT
    `t7`.`org_id`,
    `t7`.`year`,
    `t7`.`subject`,
    `t7`.`grade`,
    `t7`.`task`,
    `t7`.`n0`,
    `t7`.`c0`,
    `t7`.`c0` * `t3`.`max_score` AS `d0`,
    `t4`.`territory_id`
  FROM (
    SELECT
      `t5`.`org_id`,
      `t5`.`year`,
      `t5`.`subject`,
      `t5`.`grade`,
      `t5`.`task`,
      SUM(CAST(`t5`.`score` AS DOUBLE)) AS `n0`,
      COUNT(`t5`.`score`) AS `c0`
    FROM (
      SELECT
        *
      FROM `task_scores` AS `t2`
      WHERE
        `t2`.`procedure` IN ('VPR')
    ) AS `t5`
    GROUP BY
      1,
      2,
      3,
      4,
      5
  ) AS `t7`
  LEFT OUTER JOIN `task_maxima` AS `t3`
    ON `t3`.`procedure` = 'VPR'
    AND `t7`.`subject` = `t3`.`subject`
    AND `t7`.`grade` = `t3`.`grade`
    AND `t7`.`year` = `t3`.`year`
    AND `t7`.`task` = `t3`.`task`
  LEFT OUTER JOIN `org_territory` AS `t4`
    ON `t7`.`org_id` = `t4`.`org_id`
) AS `t8`
ORDER BY
  `t8`.`year` ASC NULLS LAST,
  `t8`.`territory_id` ASC,
  `t8`.`org_id` ASC NULLS LAST;

-- vpr.participants:distinct
SELECT
  *
FROM (
  SELECT
    `t5`.`org_id`,
    `t5`.`year`,
    `t5`.`subject`,
    `t5`.`grade`,
    `t5`.`n0`,
    `t2`.`territory_id`
  FROM (
    SELECT
      `t3`.`org_id`,
      `t3`.`year`,
      `t3`.`subject`,
      `t3`.`grade`,
      COUNT(DISTINCT `t3`.`student`) AS `n0`
    FROM (
      SELECT
        *
      FROM `student_results` AS `t1`
      WHERE
        `t1`.`procedure` = 'VPR'
        AND (
          (
            `t1`.`mark` IS NOT NULL
          )
          OR (
            `t1`.`primary_score` IS NOT NULL AND NOT ISNAN(`t1`.`primary_score`)
          )
        )
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

-- oge.participants:distinct
SELECT
  *
FROM (
  SELECT
    `t5`.`org_id`,
    `t5`.`year`,
    `t5`.`subject`,
    `t5`.`n0`,
    `t2`.`territory_id`
  FROM (
    SELECT
      `t3`.`org_id`,
      `t3`.`year`,
      `t3`.`subject`,
      COUNT(DISTINCT `t3`.`student`) AS `n0`
    FROM (
      SELECT
        *
      FROM `student_results` AS `t1`
      WHERE
        `t1`.`procedure` = 'OGE' AND `t1`.`mark` IS NOT NULL
    ) AS `t3`
    GROUP BY
      1,
      2,
      3
  ) AS `t5`
  LEFT OUTER JOIN `org_territory` AS `t2`
    ON `t5`.`org_id` = `t2`.`org_id`
) AS `t6`
ORDER BY
  `t6`.`year` ASC NULLS LAST,
  `t6`.`territory_id` ASC,
  `t6`.`org_id` ASC NULLS LAST;

-- ege.participants:distinct
SELECT
  *
FROM (
  SELECT
    `t5`.`org_id`,
    `t5`.`year`,
    `t5`.`subject`,
    `t5`.`n0`,
    `t2`.`territory_id`
  FROM (
    SELECT
      `t3`.`org_id`,
      `t3`.`year`,
      `t3`.`subject`,
      COUNT(DISTINCT `t3`.`student`) AS `n0`
    FROM (
      SELECT
        *
      FROM `student_results` AS `t1`
      WHERE
        `t1`.`procedure` = 'EGE'
        AND (
          (
            `t1`.`test_score` IS NOT NULL AND NOT ISNAN(`t1`.`test_score`)
          )
          OR (
            `t1`.`mark` IS NOT NULL
          )
        )
    ) AS `t3`
    GROUP BY
      1,
      2,
      3
  ) AS `t5`
  LEFT OUTER JOIN `org_territory` AS `t2`
    ON `t5`.`org_id` = `t2`.`org_id`
) AS `t6`
ORDER BY
  `t6`.`year` ASC NULLS LAST,
  `t6`.`territory_id` ASC,
  `t6`.`org_id` ASC NULLS LAST;

-- ege.graduates:distinct
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
      FROM `student_results` AS `t1`
      WHERE
        `t1`.`procedure` = 'EGE'
        AND (
          (
            `t1`.`test_score` IS NOT NULL AND NOT ISNAN(`t1`.`test_score`)
          )
          OR (
            `t1`.`mark` IS NOT NULL
          )
        )
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

-- ege.below_min_ru_math:distinct
SELECT
  *
FROM (
  SELECT
    `t5`.`org_id`,
    `t5`.`year`,
    `t5`.`n0`,
    `t5`.`d0`,
    `t2`.`territory_id`
  FROM (
    SELECT
      `t3`.`org_id`,
      `t3`.`year`,
      COUNT(
        DISTINCT IF(
          (
            `t3`.`test_score` < `t3`.`_min_threshold`
          ) OR (
            `t3`.`mark` = 2
          ),
          `t3`.`student`,
          NULL
        )
      ) AS `n0`,
      COUNT(DISTINCT `t3`.`student`) AS `d0`
    FROM (
      SELECT
        `t1`.`batch_id`,
        `t1`.`org_id`,
        `t1`.`year`,
        `t1`.`procedure`,
        `t1`.`subject`,
        `t1`.`grade`,
        `t1`.`student`,
        `t1`.`class_label`,
        `t1`.`variant`,
        `t1`.`primary_score`,
        `t1`.`test_score`,
        `t1`.`mark`,
        `t1`.`journal_mark`,
        `t1`.`passed`,
        `t1`.`level`,
        CASE
          WHEN (
            `t1`.`procedure` = 'EGE'
          ) AND (
            `t1`.`subject` = 'bio'
          )
          THEN 36.0
          WHEN (
            `t1`.`procedure` = 'EGE'
          ) AND (
            `t1`.`subject` = 'chem'
          )
          THEN 36.0
          WHEN (
            `t1`.`procedure` = 'EGE'
          ) AND (
            `t1`.`subject` = 'eng'
          )
          THEN 22.0
          WHEN (
            `t1`.`procedure` = 'EGE'
          ) AND (
            `t1`.`subject` = 'geo'
          )
          THEN 37.0
          WHEN (
            `t1`.`procedure` = 'EGE'
          ) AND (
            `t1`.`subject` = 'hist'
          )
          THEN 32.0
          WHEN (
            `t1`.`procedure` = 'EGE'
          ) AND (
            `t1`.`subject` = 'inf'
          )
          THEN 40.0
          WHEN (
            `t1`.`procedure` = 'EGE'
          ) AND (
            `t1`.`subject` = 'lit'
          )
          THEN 32.0
          WHEN (
            `t1`.`procedure` = 'EGE'
          ) AND (
            `t1`.`subject` = 'math_profile'
          )
          THEN 27.0
          WHEN (
            `t1`.`procedure` = 'EGE'
          ) AND (
            `t1`.`subject` = 'phys'
          )
          THEN 36.0
          WHEN (
            `t1`.`procedure` = 'EGE'
          ) AND (
            `t1`.`subject` = 'ru'
          )
          THEN 24.0
          WHEN (
            `t1`.`procedure` = 'EGE'
          ) AND (
            `t1`.`subject` = 'soc'
          )
          THEN 42.0
          ELSE CAST(NULL AS DOUBLE)
        END AS `_min_threshold`
      FROM `student_results` AS `t1`
      WHERE
        `t1`.`procedure` = 'EGE'
        AND `t1`.`subject` IN ('ru', 'math_profile', 'math_base')
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

-- ege.medallists:distinct
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
      FROM `medals` AS `t1`
      WHERE
        `t1`.`procedure` = 'MEDALS'
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

-- ege.medallists_70_plus:per_student
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

-- ege.share_220_plus:per_student
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
